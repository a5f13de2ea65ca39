import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { unsupportedFeatureWarnings } from '../../../webhook/warnings.ts';

const pod = (spec: Partial<V1PodSpec>): V1Pod => ({
  spec: { containers: [{ name: 'c', image: 'x' }], ...spec },
});

const cases: Array<[string, Partial<V1PodSpec>, RegExp[]]> = [
  ['a plain pod has none', {}, []],
  ['hostNetwork', { hostNetwork: true }, [/^spec\.hostNetwork/]],
  ['hostNetwork false is fine', { hostNetwork: false }, []],
  ['hostPID and hostIPC', { hostPID: true, hostIPC: true }, [/^spec\.hostPID/, /^spec\.hostIPC/]],
  [
    'hostPath volume named',
    {
      volumes: [
        { name: 'logs', hostPath: { path: '/var/log' } },
        { name: 'tmp', emptyDir: {} },
      ],
    },
    [/spec\.volumes\[logs\]\.hostPath/],
  ],
  [
    'privileged container and init container',
    {
      initContainers: [{ name: 'setup', image: 'x', securityContext: { privileged: true } }],
      containers: [
        { name: 'app', image: 'x', securityContext: { privileged: true } },
        {
          name: 'ok',
          image: 'x',
          securityContext: { privileged: false, capabilities: { add: ['NET_ADMIN'] } },
        },
      ],
    },
    // ECI runs a privileged app container (docs/eci-api.md, "Security context"), not an init container.
    [/^init container setup: privileged init containers are not available on ECI/],
  ],
  [
    'hostPort',
    {
      containers: [
        { name: 'web', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }] },
      ],
    },
    [/^container web: hostPort 8080/],
  ],
  [
    'reserved container port',
    { containers: [{ name: 'agent', image: 'x', ports: [{ containerPort: 10250 }] }] },
    [/containerPort 10250 is reserved/],
  ],
];

for (const [name, spec, expected] of cases) {
  test(`warnings: ${name}`, () => {
    const warnings = unsupportedFeatureWarnings(pod(spec));
    assert.equal(warnings.length, expected.length, warnings.join(' | '));
    expected.forEach((re, i) => assert.match(warnings[i] ?? '', re));
  });
}
