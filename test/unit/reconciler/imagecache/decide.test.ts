import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextStep, sameStatus, statusFromCache } from '../../../../reconciler/imagecache/decide.ts';
import { matchedAnnotationPatch, matchedImageCache } from '../../../../reconciler/imagecache/matched.ts';
import {
  eciImageCacheName,
  IMAGE_CACHE_FINALIZER,
  parseSpec,
  type ImageCacheObject,
} from '../../../../reconciler/imagecache/resource.ts';

const F = IMAGE_CACHE_FINALIZER;
const spec = { images: ['nginx:1.27'] };

function obj(o: {
  finalizers?: string[];
  deleting?: boolean;
  spec?: unknown;
  status?: ImageCacheObject['status'];
}): ImageCacheObject {
  return {
    metadata: {
      name: 'c',
      uid: 'u',
      finalizers: o.finalizers,
      ...(o.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: o.spec ?? spec,
    status: o.status,
  };
}

test('the next step of each ImageCache state', () => {
  const table: { case: string; o: ImageCacheObject; want: string }[] = [
    { case: 'new object: finalizer first', o: obj({}), want: 'add-finalizer' },
    { case: 'finalizer held, no cache yet: create', o: obj({ finalizers: [F] }), want: 'create' },
    {
      case: 'created, Creating: describe',
      o: obj({ finalizers: [F], status: { imageCacheId: 'imc-1', phase: 'Creating' } }),
      want: 'describe',
    },
    {
      case: 'Ready: nothing more',
      o: obj({ finalizers: [F], status: { imageCacheId: 'imc-1', phase: 'Ready' } }),
      want: 'none',
    },
    {
      case: 'Failed: nothing more',
      o: obj({ finalizers: [F], status: { imageCacheId: 'imc-1', phase: 'Failed' } }),
      want: 'none',
    },
    {
      case: 'deleted with a cache: delete it',
      o: obj({ finalizers: [F], deleting: true, status: { imageCacheId: 'imc-1', phase: 'Ready' } }),
      want: 'delete-cache',
    },
    {
      case: 'deleted before a cache existed: release',
      o: obj({ finalizers: [F], deleting: true }),
      want: 'remove-finalizer',
    },
    { case: 'deleted, finalizer gone: nothing', o: obj({ deleting: true }), want: 'none' },
    { case: 'bad spec: refused', o: obj({ finalizers: [F], spec: { images: [] } }), want: 'invalid' },
    {
      case: 'bad spec already reported: nothing',
      o: obj({
        finalizers: [F],
        spec: { images: [] },
        status: { phase: 'Failed', message: 'spec.images: needs at least one image' },
      }),
      want: 'none',
    },
  ];
  for (const row of table) assert.equal(nextStep(row.o, 'k1').kind, row.want, row.case);
  const other = obj({});
  other.metadata!.annotations = { 'eci-virtual-node/cluster-id': 'k2' };
  assert.equal(nextStep(other, 'k1').kind, 'none', 'another install’s object is left alone');
  other.metadata!.annotations = { 'eci-virtual-node/cluster-id': 'k1' };
  assert.equal(nextStep(other, 'k1').kind, 'add-finalizer', 'an object named for this cluster is taken');
});

test('spec errors name the field', () => {
  const table: [unknown, RegExp][] = [
    [{}, /^spec\.images: /],
    [{ images: [''] }, /^spec\.images\[0\]: must not be empty/],
    [{ images: ['a'], imageCacheSize: 10 }, /^spec\.imageCacheSize: /],
    [{ images: ['a'], retentionDays: 0 }, /^spec\.retentionDays: /],
    [
      { images: ['a'], imagePullSecrets: ['no-namespace'] },
      /^spec\.imagePullSecrets\[0\]: must be namespace:secretName/,
    ],
  ];
  for (const [s, want] of table) {
    const r = parseSpec(s);
    assert.ok(!r.ok && want.test(r.message), JSON.stringify(s));
  }
  assert.ok(
    parseSpec({ images: ['a'], imagePullSecrets: ['default:regcred'], imageCacheSize: 25, retentionDays: 7 })
      .ok,
  );
});

test('status from DescribeImageCaches: phase, progress, id, times, events; a failure says why', () => {
  const s = statusFromCache({
    imageCacheId: 'imc-1',
    status: 'Failed',
    progress: '0%',
    creationTime: '2026-01-01T00:00:00.123Z',
    expireDateTime: '',
    events: [{ type: 'Warning', reason: 'Failed', message: 'Failed to pull image x: not found', count: 1 }],
  });
  assert.deepEqual(s, {
    phase: 'Failed',
    progress: '0%',
    imageCacheId: 'imc-1',
    reason: 'Failed',
    message: 'Failed to pull image x: not found',
    startTime: '2026-01-01T00:00:00Z',
    events: [{ type: 'Warning', reason: 'Failed', message: 'Failed to pull image x: not found', count: 1 }],
  });
  assert.ok(sameStatus({ ...s, lastUpdatedTime: '2026-01-01T00:00:09Z' }, s));
  assert.ok(!sameStatus({ ...s, progress: '50%' }, s));
});

test('ECI image cache names from object names', () => {
  assert.equal(eciImageCacheName('web.cache_v1'), 'web-cache-v1');
  assert.equal(eciImageCacheName('a'), 'imc-a');
  assert.equal(eciImageCacheName('x'.repeat(300)).length, 128);
});

test('the matched image cache comes from ECI’s SuccessfulHitImageCache event', () => {
  const events = [
    { reason: 'Creating', message: 'Creating container group' },
    {
      reason: 'SuccessfulHitImageCache',
      message:
        '[eci.imagecache]Successfully hit image cache imc-2ze5abc, eci will be scheduled with this image cache.',
    },
  ];
  assert.equal(matchedImageCache(events), 'imc-2ze5abc');
  assert.equal(matchedImageCache([{ reason: 'Started' }]), undefined);
  assert.deepEqual(matchedAnnotationPatch({}, events), {
    'k8s.aliyun.com/eci-matched-image-cache': 'imc-2ze5abc',
  });
  assert.equal(
    matchedAnnotationPatch({ 'k8s.aliyun.com/eci-matched-image-cache': 'imc-2ze5abc' }, events),
    undefined,
  );
});
