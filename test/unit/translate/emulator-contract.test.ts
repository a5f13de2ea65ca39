// Contract check between the translation and the emulator: every example request,
// flattened by the SDK exactly as it goes on the wire, passes the emulator's
// CreateContainerGroup validation (shape and API rules).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import OpenApiUtil from '@alicloud/openapi-util';
import { translatePod } from '../../../reconciler/translate.ts';
import { parseParams, unflatten } from '../../../emulator/params.ts';
import { checkCreateRules, createContainerGroupSchema } from '../../../emulator/validate-create.ts';
import { DEFAULTS } from './helpers.ts';
import { EXAMPLES, loadExample } from './manifests.ts';

for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
  test(`${file}: the emulator accepts the request as sent on the wire`, () => {
    const input = loadExample(file);
    const r = translatePod({
      ...input,
      configMaps: { ...input.configMaps, 'kube-root-ca.crt': { data: { 'ca.crt': 'PEM' } } },
      serviceAccountTokens: { '': 'token' },
      defaults: DEFAULTS,
      // The final request: ClientToken and ownership tags included.
      owner: {
        clusterId: 'c-1',
        nodeName: 'virtual-node-eci-0',
        namespace: 'shop',
        podName: 'p',
        podUid: 'uid-1',
      },
      attempt: 1,
    });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    assert.equal(r.request.clientToken, 'uid-1');
    const flat = OpenApiUtil.default.query(r.request.toMap()) as Record<string, string>;
    const params = parseParams(createContainerGroupSchema, unflatten(flat));
    assert.doesNotThrow(() => checkCreateRules(params));
    assert.equal(params.Container.length, r.request.container?.length);
  });
}
