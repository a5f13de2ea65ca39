import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { nextAction, recheckAfter } from '../../../../reconciler/controller/next-action.ts';
import { activeDeadlineAt, DEADLINE_GRACE_MS } from '../../../../reconciler/update/deadline.ts';
import type { GroupRecord } from '../../../../reconciler/tracker.ts';

const START = Date.parse('2026-01-01T00:00:00Z');

function pod(
  deadline: number | undefined,
  phase = 'Running',
  startTime: string | undefined = '2026-01-01T00:00:00Z',
): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u' },
    spec: { containers: [{ name: 'a', image: 'x' }], activeDeadlineSeconds: deadline },
    status: { phase, ...(startTime ? { startTime: new Date(startTime) } : {}) },
  };
}

const record: GroupRecord = { id: 'eci-1', group: { status: 'Running' } };

test('the deadline the reconciler enforces: start + activeDeadlineSeconds + a grace for ECI', () => {
  assert.equal(activeDeadlineAt(pod(60)), START + 60_000 + DEADLINE_GRACE_MS);
  assert.equal(activeDeadlineAt(pod(undefined)), undefined);
  assert.equal(activeDeadlineAt(pod(60, 'Pending', '')), undefined, 'not started: no deadline yet');
});

test('a running pod past its (shortened) deadline fails with DeadlineExceeded and its group goes', () => {
  const late = START + 60_000 + DEADLINE_GRACE_MS;
  assert.deepEqual(nextAction(pod(60), record, late), {
    kind: 'fail',
    reason: 'DeadlineExceeded',
    message: 'Pod was active on the node longer than the specified deadline',
    deleteGroup: true,
  });
  assert.equal(nextAction(pod(60), record, late - 1).kind, 'sync-status');
  assert.equal(nextAction(pod(60, 'Failed'), record, late).kind, 'none', 'already finished');
});

test('the pod is looked at again when its deadline comes', () => {
  const at = START + 60_000 + DEADLINE_GRACE_MS;
  assert.equal(recheckAfter(pod(60), at - 5000), 5000);
  assert.equal(recheckAfter(pod(undefined), START), undefined);
  assert.equal(recheckAfter(pod(60, 'Succeeded'), START), undefined);
});
