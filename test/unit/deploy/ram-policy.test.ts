// deploy/ram-policy.json allows exactly the actions the code calls (issue 15): the actions are
// read from the two clients' sources (every call goes through their one `call(action, ...)`),
// and no other file reaches the SDKs around them. deploy/ram-policy.md has a note on each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deniedActionMessage } from '../../../reconciler/provider/denied-actions.ts';
import { classifyEciError, isActionDeniedCode } from '../../../reconciler/provider/eci-errors.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const CLIENTS = { eci: 'reconciler/provider/eci-client.ts', pvtz: 'reconciler/privatezone/client.ts' };

/** Pure: the actions a client source passes to its `this.call('<Action>', ...)`. */
function calledActions(source: string): string[] {
  return [...source.matchAll(/this\.call\(\s*'([A-Z][A-Za-z]+)'/g)].map((m) => m[1]!);
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}
const policy = JSON.parse(read('deploy/ram-policy.json')) as { Version: string; Statement: Statement[] };
const allowed = policy.Statement.flatMap((s) => s.Action);

test('ram-policy.json: version 1, Allow statements only, no wildcard action', () => {
  assert.equal(policy.Version, '1');
  for (const s of policy.Statement) {
    assert.equal(s.Effect, 'Allow');
    for (const action of [s.Action].flat()) assert.match(action, /^(eci|pvtz):[A-Z][A-Za-z]+$/);
  }
  assert.equal(new Set(allowed).size, allowed.length, 'no action twice');
});

test('ram-policy.json allows exactly the actions the ECI and PrivateZone clients call', () => {
  const called = Object.entries(CLIENTS).flatMap(([product, file]) =>
    calledActions(read(file)).map((a) => `${product}:${a}`),
  );
  assert.ok(called.includes('eci:DescribeContainerGroupStatus'), "the scan finds the clients' calls");
  assert.deepEqual(
    called.filter((a) => !allowed.includes(a)),
    [],
    'called by the code but missing from deploy/ram-policy.json',
  );
  assert.deepEqual(
    allowed.filter((a) => !called.includes(a)),
    [],
    'in deploy/ram-policy.json but called by no client',
  );
});

test('no file outside the two clients calls an Alibaba Cloud SDK directly', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const file = relative(ROOT, path);
        if (Object.values(CLIENTS).includes(file)) continue;
        // An SDK method call (`client.fooWithOptions(`) or a generic OpenAPI call (`callApi(`).
        if (/\.\w+WithOptions\(|\.callApi\(|\.doRPCRequest\(/.test(readFileSync(path, 'utf8')))
          offenders.push(file);
      }
    }
  };
  for (const dir of ['reconciler', 'shared', 'webhook']) walk(join(ROOT, dir));
  assert.deepEqual(offenders, []);
});

test('deploy/ram-policy.md has a row for every action of the policy', () => {
  const notes = read('deploy/ram-policy.md');
  for (const action of allowed) assert.match(notes, new RegExp(`^\\| \`${action}\` +\\|`, 'm'), action);
});

test('which refusals are "this action is not in the RAM policy" (the optional ones then fall back)', () => {
  const cases: [string, number, boolean][] = [
    ['Forbidden.RAM', 403, true],
    ['Forbidden.NoPermission', 403, true],
    ['NoPermission', 403, true],
    // A bad, disabled or unsigned key fails every action alike: no fallback helps.
    ['InvalidAccessKeyId.NotFound', 404, false],
    ['SignatureDoesNotMatch', 400, false],
    ['Forbidden.AccessKeyDisabled', 403, false],
    ['Forbidden', 403, false],
    ['IncorrectStatus', 403, false],
    ['Throttling.User', 400, false],
  ];
  for (const [code, statusCode, denied] of cases) {
    assert.equal(isActionDeniedCode(classifyEciError({ code, statusCode }).code), denied, code);
  }
});

test('a denied optional ECI action is said with its consequence; a required one is not (it fails where it is called)', () => {
  const line = deniedActionMessage('DescribeContainerGroupStatus', 'Forbidden.RAM');
  assert.match(line ?? '', /eci:DescribeContainerGroupStatus \(Forbidden\.RAM; deploy\/ram-policy\.json\)/);
  assert.match(line ?? '', /DescribeContainerGroups by id/);
  // The notes and the code agree on which ECI actions are optional.
  const notes = read('deploy/ram-policy.md');
  for (const action of allowed.filter((a) => a.startsWith('eci:'))) {
    const optional = new RegExp(`^\\| \`${action}\` +\\| optional`, 'm').test(notes);
    const said = deniedActionMessage(action.slice('eci:'.length), 'Forbidden.RAM') !== undefined;
    assert.equal(said, optional, action);
  }
});
