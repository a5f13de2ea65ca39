// deploy/reconciler/statefulset.yaml (issue 13, Deploy): the reconciler runs as a StatefulSet
// with stable replica names, its identity and namespace from the downward API, a headless
// governing Service, a PodDisruptionBudget, spread over hosts, on a read-only root
// filesystem, with the kubelet and metrics ports the program listens on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReconcilerConfig } from '../../../reconciler/config.ts';
import { containerEnv, loadManifests, one, type Manifest } from './load.ts';

const manifests = loadManifests('reconciler/statefulset.yaml');
const sts = one(manifests, 'StatefulSet', 'eci-virtual-node-reconciler', 'eci-virtual-node');
const pod = sts.spec.template.spec;
const container = pod.containers[0];

test('stable identities: a StatefulSet whose governing Service is headless and selects its pods', () => {
  const service = one(manifests, 'Service', sts.spec.serviceName, sts.metadata.namespace);
  assert.equal(service.spec.clusterIP, 'None');
  assert.deepEqual(service.spec.selector, sts.spec.selector.matchLabels);
  for (const [key, value] of Object.entries(sts.spec.selector.matchLabels as Record<string, string>))
    assert.equal(sts.spec.template.metadata.labels[key], value, `the pod template carries ${key}`);
  assert.equal(sts.spec.podManagementPolicy, 'Parallel');
  assert.equal(sts.spec.updateStrategy.type, 'RollingUpdate');
});

test('the replica name, namespace and IP come from the downward API and reach the flags', () => {
  const fieldOf = (name: string) =>
    (container.env as Manifest[]).find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
  assert.equal(fieldOf('POD_NAME'), 'metadata.name');
  assert.equal(fieldOf('POD_NAMESPACE'), 'metadata.namespace');
  assert.equal(fieldOf('POD_IP'), 'status.podIP');
  const parsed = parseReconcilerConfig(container.args, containerEnv(sts, container));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  assert.equal(parsed.config.nodes, 1);
});

test('the ports the program serves: kubelet 10250 and health/metrics on --health-address', () => {
  const parsed = parseReconcilerConfig(container.args, containerEnv(sts, container));
  assert.ok(parsed.ok);
  const ports = Object.fromEntries((container.ports as Manifest[]).map((p) => [p.name, p.containerPort]));
  assert.deepEqual(ports, {
    kubelet: parsed.config.kubeletPort,
    health: Number(parsed.config.healthAddress.split(':').pop()),
  });
  const service = one(manifests, 'Service', sts.spec.serviceName);
  assert.deepEqual(
    (service.spec.ports as Manifest[]).map((p) => p.targetPort).sort(),
    Object.keys(ports).sort(),
  );
  assert.equal(container.readinessProbe.httpGet.port, 'health');
});

test('a PodDisruptionBudget lets one replica go at a time', () => {
  const pdb = one(manifests, 'PodDisruptionBudget', sts.metadata.name, sts.metadata.namespace);
  assert.equal(pdb.spec.maxUnavailable, 1);
  assert.deepEqual(pdb.spec.selector, sts.spec.selector);
});

test('replicas prefer different hosts', () => {
  const [term] = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
  assert.equal(term.podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
  assert.deepEqual(term.podAffinityTerm.labelSelector, sts.spec.selector);
});

test('non-root, no privilege, read-only root filesystem with /tmp the one writable path', () => {
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.runAsUser, 65532);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  assert.deepEqual(container.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
  assert.ok((pod.volumes as Manifest[]).some((v) => v.name === 'tmp' && v.emptyDir));
  assert.deepEqual(container.command, ['node', 'reconciler/main.ts']);
});
