// What the kubelet decides from a pod's spec before it runs anything, as the translation
// carries it: sysctl names in the form the runtime takes, runAsNonRoot with an explicit root
// user, and probe fields ECI has no place for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1Pod, V1PodSecurityContext } from '@kubernetes/client-node';
import { normalizeSysctlName } from '../../../reconciler/translate/sysctls.ts';
import { errors, wire } from './helpers.ts';

const pod = (container: Partial<V1Container>, securityContext?: V1PodSecurityContext): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
  spec: { containers: [{ name: 'c', image: 'busybox', ...container }], securityContext },
});

test('sysctl names: a slash-separated name becomes the dotted one, as the kubelet normalizes it', () => {
  const cases: [string, string][] = [
    ['kernel.shm_rmid_forced', 'kernel.shm_rmid_forced'],
    ['kernel/shm_rmid_forced', 'kernel.shm_rmid_forced'],
    ['net/ipv4/conf/eno2.100/rp_filter', 'net.ipv4.conf.eno2/100.rp_filter'],
    ['net.ipv4.conf.eno2/100.rp_filter', 'net.ipv4.conf.eno2/100.rp_filter'],
    ['kernel', 'kernel'],
    ['', ''],
  ];
  for (const [name, want] of cases) assert.equal(normalizeSysctlName(name), want, name);
});

test('the request carries sysctls in dotted form', () => {
  const { map } = wire({ pod: pod({}, { sysctls: [{ name: 'kernel/shm_rmid_forced', value: '1' }] }) });
  assert.deepEqual(map.SecurityContext, { Sysctl: [{ Name: 'kernel.shm_rmid_forced', Value: '1' }] });
});

test('runAsNonRoot with an explicit root user is a container config error with the kubelet message', () => {
  const refused: [string, V1Pod, string][] = [
    [
      'container fields',
      pod({ securityContext: { runAsNonRoot: true, runAsUser: 0 } }),
      'spec.containers[0]',
    ],
    ['pod fields', pod({}, { runAsNonRoot: true, runAsUser: 0 }), 'spec.containers[0]'],
    ['mixed', pod({ securityContext: { runAsUser: 0 } }, { runAsNonRoot: true }), 'spec.containers[0]'],
  ];
  for (const [what, p, path] of refused) {
    const e = errors({ pod: p });
    assert.deepEqual(
      e,
      [
        {
          field: `${path}.securityContext.runAsUser`,
          message: `container's runAsUser breaks non-root policy (pod: "p_ns(u1)", container: c)`,
          configError: true,
        },
      ],
      what,
    );
  }
  const init = pod({});
  init.spec!.initContainers = [
    { name: 'i', image: 'busybox', securityContext: { runAsNonRoot: true, runAsUser: 0 } },
  ];
  assert.equal(errors({ pod: init })[0]?.field, 'spec.initContainers[0].securityContext.runAsUser');
});

test('runAsNonRoot passes with a non-root user, without a user (the image decides) or when overridden', () => {
  const admitted: [string, V1Pod][] = [
    ['non-root user', pod({ securityContext: { runAsNonRoot: true, runAsUser: 1000 } })],
    ['no user: left to ECI', pod({ securityContext: { runAsNonRoot: true } })],
    [
      'container user wins',
      pod({ securityContext: { runAsUser: 1000 } }, { runAsNonRoot: true, runAsUser: 0 }),
    ],
    [
      'container allows root',
      pod({ securityContext: { runAsNonRoot: false } }, { runAsNonRoot: true, runAsUser: 0 }),
    ],
    ['root without the policy', pod({ securityContext: { runAsUser: 0 } })],
  ];
  for (const [what, p] of admitted) assert.ok(wire({ pod: p }).map, what);
});

test("a probe's own terminationGracePeriodSeconds, which ECI's probe has no field for, is a warning", () => {
  const p = pod({
    livenessProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 5 },
  });
  const { map, warnings } = wire({ pod: p });
  assert.ok(
    warnings.includes(
      'spec.containers[0].livenessProbe.terminationGracePeriodSeconds: ECI probes have no grace period of their own; not applied',
    ),
    warnings.join('\n'),
  );
  const c = (map.Container as Record<string, unknown>[])[0]!;
  assert.deepEqual(c.LivenessProbe, { Exec: { Command: ['true'] } });
});
