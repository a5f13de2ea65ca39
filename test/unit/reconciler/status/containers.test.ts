import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerStatuses } from '../../../../reconciler/status/containers.ts';

const running = { state: 'Running', startTime: '2026-01-01T00:00:05Z' };

test('a container status names the image the group runs, not the one the spec asks for', () => {
  const table: { case: string; spec?: string; eci?: string; want: string }[] = [
    { case: 'in-place change not applied yet', spec: 'nginx:1.27', eci: 'nginx:1.25', want: 'nginx:1.25' },
    { case: 'applied', spec: 'nginx:1.27', eci: 'nginx:1.27', want: 'nginx:1.27' },
    {
      case: 'ECI reports no image (group not described yet)',
      spec: 'nginx:1.27',
      eci: '',
      want: 'nginx:1.27',
    },
  ];
  for (const row of table) {
    const [status] = containerStatuses(
      [{ name: 'app', ...(row.spec !== undefined ? { image: row.spec } : {}) }],
      [{ name: 'app', image: row.eci, currentState: running, ready: true }],
      'eci-1',
      'ContainerCreating',
    );
    assert.equal(status?.image, row.want, row.case);
  }
});

test('a container ECI does not report yet falls back to the spec image', () => {
  const [status] = containerStatuses(
    [{ name: 'app', image: 'nginx:1.27' }],
    [],
    'eci-1',
    'ContainerCreating',
  );
  assert.equal(status?.image, 'nginx:1.27');
  assert.deepEqual(status?.state, { waiting: { reason: 'ContainerCreating' } });
});
