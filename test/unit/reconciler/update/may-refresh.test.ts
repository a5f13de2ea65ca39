import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { mayRefresh } from '../../../../reconciler/update/refresher.ts';
import type { GroupRecord } from '../../../../reconciler/tracker.ts';

const pod = (phase: string | undefined, deleting = false): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u', ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  status: phase ? { phase } : {},
});
const record = (status: string | undefined, extra: Partial<GroupRecord> = {}): GroupRecord =>
  ({ id: 'eci-1', ...(status ? { group: { status } } : {}), ...extra }) as GroupRecord;

test('a Running group is refreshed while its pod runs or waits for a container to start; never once either is on its way out', () => {
  const rows: Array<[string, V1Pod, GroupRecord, boolean]> = [
    ['pod Running, group Running', pod('Running'), record('Running'), true],
    ['pod Pending (a container not started yet), group Running', pod('Pending'), record('Running'), true],
    ['pod Succeeded', pod('Succeeded'), record('Running'), false],
    ['pod Failed', pod('Failed'), record('Running'), false],
    ['pod being deleted', pod('Running', true), record('Running'), false],
    ['group Updating', pod('Running'), record('Updating'), false],
    ['group Pending', pod('Pending'), record('Pending'), false],
    ['no group described yet', pod('Running'), record(undefined), false],
    ['group gone', pod('Running'), record('Running', { gone: true }), false],
    ['group delete requested', pod('Running'), record('Running', { deleteRequested: true }), false],
  ];
  for (const [what, p, r, want] of rows) assert.equal(mayRefresh(p, r), want, what);
});
