import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explain, parseLabels, podsFromManifests, profileFromText } from '../../../webhook/explain.ts';
import { DEFAULT_PROFILE } from '../../../shared/profile.ts';

const MANIFESTS = `
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {eci: "true"}}
spec: {hostPID: true, containers: [{name: c, image: nginx}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {tier: batch}}
        spec: {restartPolicy: Never, containers: [{name: c, image: job}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {eci: "true"}}
    spec: {containers: [{name: c, image: agent}]}
---
apiVersion: v1
kind: Service
metadata: {name: ignored}
`;

const PROFILE = `
apiVersion: v1
kind: ConfigMap
metadata: {name: eci-profile, namespace: kube-system}
data:
  enablePrivateZone: "false"
  selectors: |
    [{"name": "batch", "objectSelector": {"matchLabels": {"tier": "batch"}},
      "effect": {"annotations": {"k8s.aliyun.com/eci-spot-strategy": "SpotAsPriceGo"}}}]
`;

test('podsFromManifests: pods and workload pod templates; DaemonSet templates keep their owner', () => {
  const pods = podsFromManifests(MANIFESTS);
  assert.deepEqual(
    pods.map((p) => p.source),
    ['Pod web', 'CronJob nightly (pod template)', 'DaemonSet agent (pod template)'],
  );
  assert.equal(pods[2]?.pod.metadata?.ownerReferences?.[0]?.kind, 'DaemonSet');
  assert.throws(() => podsFromManifests('a: [b'), /not valid YAML/);
});

test('explain: decision, reason, patch and warnings from the webhook functions', () => {
  const profile = profileFromText(PROFILE);
  const results = explain(podsFromManifests(MANIFESTS), {}, profile, { clusterDomain: 'cluster.local' });
  const [web, nightly, agent] = results;
  assert.equal(web?.decision.reason, 'pod label eci=true');
  assert.ok(web?.patch.some((op) => op.path === '/spec/nodeSelector'));
  assert.deepEqual(
    web?.warnings.map((w) => w.split(':')[0]),
    ['spec.hostPID'],
  );
  assert.equal(nightly?.decision.reason, 'profile selector batch');
  const annotations = nightly?.patch.find((op) => op.path === '/metadata/annotations') as {
    value: Record<string, string>;
  };
  assert.equal(annotations.value['k8s.aliyun.com/eci-spot-strategy'], 'SpotAsPriceGo');
  assert.equal(agent?.decision.eci, false);
  assert.deepEqual(agent?.patch, []);
  // Without the profile the CronJob stays off ECI; in an ECI namespace it goes.
  assert.equal(
    explain(podsFromManifests(MANIFESTS), {}, DEFAULT_PROFILE, { clusterDomain: 'c' })[1]?.decision.eci,
    false,
  );
  assert.equal(
    explain(podsFromManifests(MANIFESTS), { eci: 'true' }, DEFAULT_PROFILE, { clusterDomain: 'c' })[1]
      ?.decision.reason,
    'namespace label eci=true',
  );
});

test('profileFromText accepts a bare data map with YAML selectors and names a bad key', () => {
  const profile = profileFromText(
    'selectors:\n  - name: a\n    namespaceSelector: {matchLabels: {x: "y"}}\n',
  );
  assert.equal(profile.selectors[0]?.name, 'a');
  assert.throws(
    () => profileFromText('enableClusterIp: "maybe"'),
    /enableClusterIp: expected "true" or "false"/,
  );
});

test('parseLabels', () => {
  assert.deepEqual(parseLabels('a=b, c=d=e ,'), { a: 'b', c: 'd=e' });
  assert.throws(() => parseLabels('novalue'), /expected key=value/);
});

const SCRIPT = fileURLToPath(new URL('../../../scripts/explain.ts', import.meta.url));

test('scripts/explain.ts prints the same, as text and JSON; bad input exits 2 with a message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'explain-'));
  writeFileSync(join(dir, 'pods.yaml'), MANIFESTS);
  writeFileSync(join(dir, 'profile.yaml'), PROFILE);
  const text = execFileSync(
    process.execPath,
    [SCRIPT, join(dir, 'pods.yaml'), '--profile', join(dir, 'profile.yaml')],
    {
      encoding: 'utf8',
    },
  );
  assert.match(text, /Pod web: goes to ECI\n {2}reason: pod label eci=true/);
  assert.match(text, /CronJob nightly \(pod template\): goes to ECI\n {2}reason: profile selector batch/);
  assert.match(
    text,
    /DaemonSet agent \(pod template\): stays off ECI\n {2}reason: DaemonSet pods are never redirected/,
  );
  assert.match(text, /- spec\.hostPID/);

  const json = execFileSync(
    process.execPath,
    [SCRIPT, join(dir, 'pods.yaml'), '--json', '--namespace-labels', 'eci=true'],
    {
      encoding: 'utf8',
    },
  );
  const lines = json
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.equal(lines[1].decision.reason, 'namespace label eci=true');

  const translated = execFileSync(
    process.execPath,
    [
      SCRIPT,
      join(dir, 'pods.yaml'),
      '--profile',
      join(dir, 'profile.yaml'),
      '--translate',
      '--cluster-dns',
      '10.0.0.10',
    ],
    { encoding: 'utf8' },
  );
  // The CronJob's pod becomes a spot request (profile effect), and the hostPID pod an error.
  assert.match(translated, /CreateContainerGroup:\n {4}\{[^]*"SpotStrategy": "SpotAsPriceGo"/);
  assert.match(translated, /error: spec\.hostPID/);
  assert.doesNotMatch(translated, /DaemonSet agent[^]*CreateContainerGroup/);

  const bad = spawnSync(process.execPath, [SCRIPT, join(dir, 'missing.yaml')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^explain: .*missing\.yaml/);
});
