// The replicas' flags: names as controller-runtime's, durations as Go writes them, identity and
// namespace from the StatefulSet pod's environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { parseReconcilerConfig } from '../../../../reconciler/config.ts';

const CREDS = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret' };

function parse(argv: string[], env: Record<string, string> = {}) {
  const r = parseReconcilerConfig(argv, { ...CREDS, ...env });
  return r;
}

test('defaults: Leases on, 15 s / 10 s / 2 s, kube-system, the host name', () => {
  const r = parse([]);
  assert.ok(r.ok);
  assert.equal(r.config.leaderElect, true);
  assert.deepEqual(
    [r.config.leaseDurationMs, r.config.renewDeadlineMs, r.config.retryPeriodMs],
    [15_000, 10_000, 2000],
  );
  assert.equal(r.config.leaseNamespace, 'kube-system');
  assert.equal(r.config.replicaId, hostname());
});

test('a StatefulSet pod: identity and namespace from POD_NAME and POD_NAMESPACE; flags win', () => {
  const env = { POD_NAME: 'eci-virtual-node-2', POD_NAMESPACE: 'eci-virtual-node' };
  const r = parse([], env);
  assert.ok(r.ok);
  assert.equal(r.config.replicaId, 'eci-virtual-node-2');
  assert.equal(r.config.leaseNamespace, 'eci-virtual-node');
  const f = parse(['--replica-id', 'x', '--lease-namespace', 'leases'], env);
  assert.ok(f.ok);
  assert.deepEqual([f.config.replicaId, f.config.leaseNamespace], ['x', 'leases']);
});

test('durations: ms, s and m; anything else names the flag', () => {
  const r = parse(['--lease-duration', '1m', '--renew-deadline', '2.5s', '--retry-period', '500ms']);
  assert.ok(r.ok);
  assert.deepEqual(
    [r.config.leaseDurationMs, r.config.renewDeadlineMs, r.config.retryPeriodMs],
    [60_000, 2500, 500],
  );
  for (const bad of ['15', '-1s', '1h', 'soon', '0s']) {
    const e = parse([`--lease-duration=${bad}`]);
    assert.equal(e.ok, false, bad);
    assert.match(e.ok ? '' : e.error, /^--lease-duration: /, bad);
  }
});

test('--leader-elect takes true or false only', () => {
  const off = parse(['--leader-elect=false']);
  assert.ok(off.ok);
  assert.equal(off.config.leaderElect, false);
  const bad = parse(['--leader-elect', 'no']);
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.error, /^--leader-elect: must be true or false/);
});
