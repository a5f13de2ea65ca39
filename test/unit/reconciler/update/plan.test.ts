import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  imageChanges,
  planInPlaceUpdate,
  RESEND_AFTER_MS,
  updateToken,
  type GroupImagesView,
} from '../../../../reconciler/update/plan.ts';

const NOW = 1_000_000;

function pod(
  images: Record<string, string>,
  extra: { generation?: number; phase?: string; deleting?: boolean } = {},
): V1Pod {
  return {
    metadata: {
      uid: 'u1',
      generation: extra.generation ?? 2,
      ...(extra.deleting ? { deletionTimestamp: new Date(NOW) } : {}),
    },
    spec: { containers: Object.entries(images).map(([name, image]) => ({ name, image })) },
    status: { phase: extra.phase ?? 'Running' },
  };
}

function group(images: Record<string, string>, status = 'Running'): GroupImagesView {
  return { status, containers: Object.entries(images).map(([name, image]) => ({ name, image })) };
}

test('the plan of each pod/group pair', () => {
  const changed = pod({ app: 'nginx:1.27', side: 'envoy:1' });
  const token = updateToken(changed, [{ name: 'app', image: 'nginx:1.27' }]);
  const table: {
    case: string;
    pod: V1Pod;
    group: GroupImagesView;
    sent?: { token: string; at: number };
    want: string;
    containers?: { name: string; image: string }[];
  }[] = [
    {
      case: 'nothing changed',
      pod: pod({ app: 'nginx:1.27' }),
      group: group({ app: 'nginx:1.27' }),
      want: 'none',
    },
    {
      case: 'one image of two changed: only that container is sent',
      pod: changed,
      group: group({ app: 'nginx:1.25', side: 'envoy:1' }),
      want: 'update',
      containers: [{ name: 'app', image: 'nginx:1.27' }],
    },
    {
      case: 'group Pending: ECI updates Pending groups too',
      pod: changed,
      group: group({ app: 'nginx:1.25', side: 'envoy:1' }, 'Pending'),
      want: 'update',
    },
    {
      case: 'group Updating (an update in flight): wait',
      pod: changed,
      group: group({ app: 'nginx:1.25', side: 'envoy:1' }, 'Updating'),
      want: 'wait',
    },
    {
      case: 'group Restarting: wait',
      pod: changed,
      group: group({ app: 'x', side: 'envoy:1' }, 'Restarting'),
      want: 'wait',
    },
    {
      case: 'same change sent a moment ago: not sent twice',
      pod: changed,
      group: group({ app: 'nginx:1.25', side: 'envoy:1' }),
      sent: { token, at: NOW - 1000 },
      want: 'wait',
    },
    {
      case: 'same change sent long ago and never applied: sent again (same token, idempotent)',
      pod: changed,
      group: group({ app: 'nginx:1.25', side: 'envoy:1' }),
      sent: { token, at: NOW - RESEND_AFTER_MS },
      want: 'update',
    },
    {
      case: 'a different change after one in flight: sent',
      pod: changed,
      group: group({ app: 'nginx:1.25', side: 'envoy:1' }),
      sent: { token: 'upd-other', at: NOW - 1000 },
      want: 'update',
    },
    {
      case: 'pod being deleted: nothing',
      pod: pod({ app: 'nginx:1.27' }, { deleting: true }),
      group: group({ app: 'nginx:1.25' }),
      want: 'none',
    },
    {
      case: 'finished pod: nothing (a finished group cannot be updated)',
      pod: pod({ app: 'nginx:1.27' }, { phase: 'Succeeded' }),
      group: group({ app: 'nginx:1.25' }, 'Succeeded'),
      want: 'none',
    },
    {
      case: 'ECI does not report the container (not described yet): nothing',
      pod: pod({ app: 'nginx:1.27' }),
      group: { status: 'Running' },
      want: 'none',
    },
  ];
  for (const row of table) {
    const plan = planInPlaceUpdate(row.pod, row.group, row.sent, NOW);
    assert.equal(plan.kind, row.want, row.case);
    if (row.containers && plan.kind === 'update') assert.deepEqual(plan.containers, row.containers, row.case);
  }
});

test('init container images are not sent: a kubelet runs init containers only when the pod starts', () => {
  const p: V1Pod = {
    metadata: { uid: 'u1' },
    spec: {
      initContainers: [{ name: 'init', image: 'busybox:2' }],
      containers: [{ name: 'app', image: 'a:1' }],
    },
  };
  assert.deepEqual(imageChanges(p, group({ app: 'a:1', init: 'busybox:1' })), []);
});

test('the ClientToken: stable for one change, new for another generation or image, at most 64 ASCII', () => {
  const c = [{ name: 'app', image: 'nginx:1.27' }];
  const a = updateToken(pod({ app: 'nginx:1.27' }), c);
  assert.equal(a, updateToken(pod({ app: 'nginx:1.27' }), c));
  assert.notEqual(a, updateToken(pod({ app: 'nginx:1.27' }, { generation: 3 }), c));
  assert.notEqual(a, updateToken(pod({ app: 'nginx:1.27' }), [{ name: 'app', image: 'nginx:1.28' }]));
  assert.match(a, /^[\x21-\x7e]{1,64}$/);
});
