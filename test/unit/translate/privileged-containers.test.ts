// Issue 18: ECI runs privileged app containers (Container.N.SecurityContextPrivileged,
// docs/eci-api.md "Security context"), so securityContext.privileged is translated, per
// container as in Kubernetes, instead of refused. ECI has no such field for init containers:
// a privileged one is still refused, by the shared pod rules, with the webhook's words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { podProblems } from '../../../reconciler/translate.ts';
import { podRuleViolations } from '../../../shared/pod-rules.ts';
import { unsupportedFeatureWarnings } from '../../../webhook/warnings.ts';
import { errors, wire } from './helpers.ts';

type Map = Record<string, unknown>;
const INIT_REFUSAL =
  'privileged init containers are not available on ECI (privileged app containers and native sidecars are)';

const pod = (containers: V1Container[], initContainers?: V1Container[]): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: { containers, ...(initContainers ? { initContainers } : {}) },
});
const c = (name: string, securityContext?: V1Container['securityContext']): V1Container => ({
  name,
  image: 'busybox',
  ...(securityContext ? { securityContext } : {}),
});

const cases: Array<{ name: string; pod: V1Pod; privileged: Record<string, true | undefined> }> = [
  {
    name: 'a privileged container next to a plain one: only it carries the field',
    pod: pod([c('priv', { privileged: true }), c('plain')]),
    privileged: { priv: true, plain: undefined },
  },
  {
    name: 'privileged: false sends nothing (ECI defaults to false)',
    pod: pod([c('app', { privileged: false })]),
    privileged: { app: undefined },
  },
  {
    name: 'privileged with added capabilities and a user: all three are sent',
    pod: pod([c('app', { privileged: true, runAsUser: 0, capabilities: { add: ['NET_ADMIN'] } })]),
    privileged: { app: true },
  },
  {
    name: 'a privileged native sidecar is an ECI app container, so it is privileged too',
    pod: pod([c('app')], [{ ...c('proxy', { privileged: true }), restartPolicy: 'Always' }]),
    privileged: { app: undefined, proxy: true },
  },
];

for (const t of cases) {
  test(`translate: ${t.name}`, () => {
    const { map } = wire({ pod: t.pod });
    const containers = map.Container as Map[];
    assert.deepEqual(
      Object.fromEntries(containers.map((x) => [x.Name, x.SecurityContextPrivileged])),
      t.privileged,
    );
    assert.equal(map.InitContainer, undefined);
    assert.deepEqual(podRuleViolations(t.pod), [], 'no pod rule refuses it');
    assert.deepEqual(unsupportedFeatureWarnings(t.pod), [], 'the webhook warns about nothing');
  });
}

test('translate: added capabilities and the user go with privileged under their own wire names', () => {
  const { map } = wire({ pod: cases[2]!.pod });
  const sent = (map.Container as Map[])[0]!;
  assert.equal(sent.SecurityContextPrivileged, true);
  assert.deepEqual(sent.SecurityContext, { Capability: { Add: ['NET_ADMIN'] }, RunAsUser: 0 });
});

test('a privileged init container is refused by the reconciler and warned about by the webhook, same words', () => {
  const p = pod([c('app')], [c('setup', { privileged: true })]);
  assert.deepEqual(errors({ pod: p }), [
    { field: 'spec.initContainers[0].securityContext.privileged', message: INIT_REFUSAL },
  ]);
  assert.deepEqual(podProblems(p), [
    { field: 'spec.initContainers[0].securityContext.privileged', message: INIT_REFUSAL },
  ]);
  assert.deepEqual(unsupportedFeatureWarnings(p), [`init container setup: ${INIT_REFUSAL}`]);
});

test('an init container with privileged: false is neither refused nor sends a field', () => {
  const { map } = wire({ pod: pod([c('app')], [c('setup', { privileged: false })]) });
  const init = (map.InitContainer as Map[])[0]!;
  assert.equal(init.Name, 'setup');
  assert.equal('SecurityContextPrivileged' in init, false);
});
