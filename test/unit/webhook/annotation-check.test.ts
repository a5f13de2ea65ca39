// Issue 10 item 6: annotation values are the pod author's input. Huge sets are never kept by
// the cache, the cache stays within its byte budget, and quoted values are cut short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  boundedMessage,
  DEFAULT_CACHE_LIMITS,
  MAX_MESSAGE_CHARS,
  memoizeChecker,
} from '../../../webhook/annotation-check.ts';
import { review } from '../../../webhook/admission.ts';
import { checkEciAnnotations } from '../../../shared/annotations.ts';
import { DEFAULT_PROFILE } from '../../../shared/profile.ts';

const MiB = 1024 * 1024;

test('300 distinct 1 MB annotation sets: nothing kept, answers bounded', () => {
  const memo = memoizeChecker(checkEciAnnotations);
  for (let i = 0; i < 300; i++) {
    const huge = `${i}-${'x'.repeat(MiB)}`;
    const result = memo({ 'k8s.aliyun.com/eci-max-pending-minute': huge, [`note/${i}`]: 'y' });
    const message = result.errors[0]?.message ?? '';
    assert.ok(message.length <= MAX_MESSAGE_CHARS, `${message.length} characters`);
    assert.match(message, /^invalid value "\d+-xxx/);
  }
  assert.deepEqual(memo.cacheStats(), { entries: 0, bytes: 0 });
});

test('many distinct mid-sized sets: accounted bytes never pass the budget', () => {
  const maxBytes = 256 * 1024;
  const memo = memoizeChecker(checkEciAnnotations, { maxBytes });
  let peak = 0;
  for (let i = 0; i < 300; i++) {
    // Just under the per-set limit, so each one is kept and older ones must go.
    memo({ [`k8s.aliyun.com/eci-max-pending-minute`]: `${i}${'9'.repeat(3_000)}`, n: String(i) });
    peak = Math.max(peak, memo.cacheStats().bytes);
  }
  const stats = memo.cacheStats();
  assert.ok(stats.entries > 10, `${stats.entries} entries kept`);
  assert.ok(peak <= maxBytes, `peak ${peak} bytes`);
  assert.ok(stats.entries < 300, 'old entries were evicted');
});

test('the default budget holds the default entry count of typical sets', () => {
  const memo = memoizeChecker(checkEciAnnotations);
  for (let i = 0; i < 2_000; i++) memo({ 'k8s.aliyun.com/eci-use-specs': '2-4Gi', app: `web-${i}` });
  const stats = memo.cacheStats();
  assert.equal(stats.entries, DEFAULT_CACHE_LIMITS.maxEntries);
  assert.ok(stats.bytes <= DEFAULT_CACHE_LIMITS.maxBytes, `${stats.bytes}`);
});

test('a cached answer is the same object; eviction gives back its bytes', () => {
  let calls = 0;
  const checker = () => {
    calls++;
    return { errors: [], warnings: ['w'] };
  };
  const memo = memoizeChecker(checker, { maxEntries: 1 });
  const first = memo({ a: '1' });
  assert.equal(memo({ a: '1' }), first);
  const oneEntry = memo.cacheStats().bytes;
  memo({ a: '2' });
  assert.deepEqual(memo.cacheStats(), { entries: 1, bytes: oneEntry });
  assert.equal(calls, 2);
});

test('boundedMessage keeps short text, cuts long text around an ellipsis keeping both ends', () => {
  assert.equal(boundedMessage('short'), 'short');
  const long = `head ${'v'.repeat(10_000)} tail: expected an integer`;
  const cut = boundedMessage(long);
  assert.ok(cut.length <= MAX_MESSAGE_CHARS);
  assert.ok(cut.startsWith('head vvv'));
  assert.ok(cut.endsWith('tail: expected an integer'));
});

test('review: a warning never quotes a 1 MB value whole', () => {
  const outcome = review(
    {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        operation: 'CREATE',
        object: {
          metadata: {
            labels: { eci: 'true' },
            annotations: { 'k8s.aliyun.com/eci-spot-strategy': 'S'.repeat(MiB) },
          },
          spec: { containers: [] },
        },
      },
    },
    {
      namespaceLabels: {},
      profile: DEFAULT_PROFILE,
      facts: { clusterDomain: 'cluster.local' },
      checkAnnotations: checkEciAnnotations,
    },
  );
  const warnings = outcome.review.response.warnings ?? [];
  assert.ok(warnings.some((w) => w.startsWith('annotation k8s.aliyun.com/eci-spot-strategy: invalid value')));
  for (const w of warnings) assert.ok(w.length <= MAX_MESSAGE_CHARS, `${w.length} characters`);
});
