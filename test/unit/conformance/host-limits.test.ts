import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderDoc } from '../../../scripts/conformance/doc.ts';
import { findHostLimits, HOST_LIMITS, type HostLimit } from '../../../scripts/conformance/host-limits.ts';
import { NOT_APPLICABLE } from '../../../scripts/conformance/not-applicable.ts';
import { inScope } from '../../../scripts/conformance/spec-filter.ts';

const FACTS = {
  k8sVersion: 'v1.36.3',
  startedAt: '2026-12-01T03:00:00Z',
  wallTimeSec: 60,
  containers: 'process (x)',
  procs: 1,
  timeout: '60m',
  taint: 'removed' as const,
};

test('every host limit names specs in scope that docs/conformance.md lists, none claimed not applicable', () => {
  const doc = readFileSync('docs/conformance.md', 'utf8');
  for (const l of HOST_LIMITS) {
    assert.ok(l.probe.length > 0 && l.limit.length > 20);
    for (const s of l.specs) {
      assert.ok(inScope(s), s);
      assert.ok(doc.includes(`| ${s.replace(/([|*_])/g, '\\$1')}`), `a row of docs/conformance.md: ${s}`);
      assert.ok(!NOT_APPLICABLE.has(s), `a machine's limit is not a claim about ECI: ${s}`);
    }
  }
});

test('findHostLimits reports a limit whose probe fails with its refusal, with what it printed; not one whose probe passes or could not run', async () => {
  const refusal = /Unknown device type/;
  const passes: HostLimit = { specs: ['a'], limit: 'never missing here', probe: ['true'], refusal };
  const fails: HostLimit = {
    specs: ['b'],
    limit: 'always missing here',
    probe: ['sh', '-c', 'echo "Error: Unknown device type." >&2; exit 2'],
    refusal,
  };
  const otherFailure: HostLimit = {
    specs: ['c'],
    limit: 'not root',
    probe: ['sh', '-c', 'echo "unshare: Operation not permitted" >&2; exit 1'],
    refusal,
  };
  const absent: HostLimit = { specs: ['d'], limit: 'no such tool', probe: ['/nonexistent/probe'], refusal };
  const found = await findHostLimits([passes, fails, otherFailure, absent]);
  assert.deepEqual(
    found.map((f) => [f.limit.specs[0], f.answer]),
    [['b', 'Error: Unknown device type.']],
  );
});

test('renderDoc lists the limits found, with the probe and its answer, and the specs still count as failed', () => {
  const spec = HOST_LIMITS[0]!.specs[0]!;
  const rows = [{ spec, result: 'failed' as const, durationSec: 5, location: 'x.go:1', detail: 'boom' }];
  const doc = renderDoc(
    rows,
    FACTS,
    new Map(),
    [],
    [{ limit: HOST_LIMITS[0]!, answer: 'Error: Unknown device type.' }],
  );
  assert.match(doc, /## Failing because of the machine that ran it/);
  assert.match(
    doc,
    /`unshare --net ip link add eci-probe0 type dummy` answered: “Error: Unknown device type\.”/,
  );
  assert.ok(doc.includes(`  - ${spec}`));
  assert.match(doc, /in scope 1: passed 0, failed 1,/);
  assert.doesNotMatch(renderDoc(rows, FACTS, new Map()), /machine that ran it/);
});
