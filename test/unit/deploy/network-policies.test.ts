// deploy/network-policies.yaml (issue 10 item 7): only the API server reaches the webhook port
// and the node (kubelet) port, the monitoring namespace reaches the metrics ports, nothing else
// gets in, and egress stays open. The named ports must resolve, in the Deployment and the StatefulSet, to the
// ports the programs listen on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flag, loadManifests, one, type Manifest } from './load.ts';

const NAMESPACE = 'eci-virtual-node';
const policies = loadManifests('network-policies.yaml');
const webhook = one(loadManifests('webhook/deployment.yaml'), 'Deployment', 'eci-webhook');
const reconciler = one(
  loadManifests('reconciler/statefulset.yaml'),
  'StatefulSet',
  'eci-virtual-node-reconciler',
);
const MONITORING = { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } };

/** The policies whose podSelector selects a pod with these labels. */
function selecting(labels: Record<string, string>): Manifest[] {
  return policies.filter((p) => {
    const match: Record<string, string> = p.spec.podSelector.matchLabels ?? {};
    assert.equal(p.spec.podSelector.matchExpressions, undefined, 'selectors are matchLabels only');
    return Object.entries(match).every(([k, v]) => labels[k] === v);
  });
}

/** Container port number of a named port (the way NetworkPolicy resolves `port: <name>`). */
function portNumber(deployment: Manifest, port: string | number): number {
  if (typeof port === 'number') return port;
  const ports = deployment.spec.template.spec.containers.flatMap((c: Manifest) => c.ports ?? []);
  const found = ports.find((p: Manifest) => p.name === port);
  assert.ok(found, `port ${port} is named in ${deployment.metadata.name}`);
  return found.containerPort;
}

/** For each port number the policies open on these pods: the sources allowed to reach it. */
function openings(deployment: Manifest): Map<number, Manifest[]> {
  const out = new Map<number, Manifest[]>();
  for (const p of selecting(deployment.spec.template.metadata.labels)) {
    for (const rule of p.spec.ingress ?? []) {
      assert.ok(rule.ports?.length > 0, `${p.metadata.name}: every ingress rule names its ports`);
      assert.ok(rule.from?.length > 0, `${p.metadata.name}: every ingress rule names its sources`);
      for (const port of rule.ports) {
        assert.equal(port.protocol, 'TCP');
        const n = portNumber(deployment, port.port);
        out.set(n, [...(out.get(n) ?? []), ...rule.from]);
      }
    }
  }
  return out;
}

const isApiServer = (from: Manifest) =>
  from.ipBlock !== undefined && from.namespaceSelector === undefined && from.podSelector === undefined;

describe('network policies', () => {
  test('every policy is in the install namespace, restricts ingress only (egress open), and a default deny covers every pod', () => {
    assert.ok(policies.length >= 3);
    for (const p of policies) {
      assert.equal(p.kind, 'NetworkPolicy');
      assert.equal(p.metadata.namespace, NAMESPACE);
      assert.deepEqual(p.spec.policyTypes, ['Ingress'], `${p.metadata.name}: egress is not restricted`);
      assert.equal(p.spec.egress, undefined);
    }
    const deny = one(policies, 'NetworkPolicy', 'eci-virtual-node-default-deny');
    assert.deepEqual(deny.spec.podSelector, {});
    assert.equal(deny.spec.ingress, undefined, 'the default deny allows nothing');
  });

  test('no rule lets every pod or every namespace in', () => {
    for (const p of policies) {
      for (const rule of p.spec.ingress ?? []) {
        for (const from of rule.from ?? []) {
          if (from.namespaceSelector) assert.notDeepEqual(from.namespaceSelector, {}, p.metadata.name);
          if (from.podSelector) assert.notDeepEqual(from.podSelector, {}, p.metadata.name);
          if (from.ipBlock) assert.notEqual(from.ipBlock.cidr, '0.0.0.0/0', p.metadata.name);
        }
      }
    }
  });

  test('webhook: only the API server and the monitoring namespace reach the HTTPS port, the port the program serves', () => {
    const container = webhook.spec.template.spec.containers[0];
    const port = Number(flag(container.args, 'port'));
    assert.equal(port, 8443);
    const open = openings(webhook);
    assert.deepEqual([...open.keys()], [port], 'no other port is open');
    const sources = open.get(port)!;
    assert.ok(sources.some(isApiServer), 'the API server (ipBlock) reaches the webhook');
    assert.ok(sources.some((f) => JSON.stringify(f.namespaceSelector) === JSON.stringify(MONITORING)));
    assert.ok(
      sources.every(
        (f) => isApiServer(f) || JSON.stringify(f) === JSON.stringify({ namespaceSelector: MONITORING }),
      ),
    );
  });

  test('reconciler: only the API server reaches the kubelet port; only the monitoring namespace the health/metrics port', () => {
    const container = reconciler.spec.template.spec.containers[0];
    const healthPort = Number(flag(container.args, 'health-address')?.split(':').pop());
    const kubeletPort = Number(flag(container.args, 'kubelet-port') ?? 10250); // the program's default
    const open = openings(reconciler);
    assert.deepEqual([...open.keys()].sort(), [kubeletPort, healthPort].sort());
    assert.ok(open.get(kubeletPort)!.length > 0);
    assert.ok(open.get(kubeletPort)!.every(isApiServer), 'nothing but the API server reaches the node port');
    assert.deepEqual(open.get(healthPort), [{ namespaceSelector: MONITORING }]);
  });

  test('the API-server rules of both policies name the same addresses (one edit for the operator)', () => {
    const cidrs = policies.flatMap((p) =>
      (p.spec.ingress ?? []).flatMap((r: Manifest) =>
        r.from.filter(isApiServer).map((f: Manifest) => f.ipBlock.cidr as string),
      ),
    );
    assert.equal(cidrs.length, 2);
    assert.equal(new Set(cidrs).size, 1);
  });
});
