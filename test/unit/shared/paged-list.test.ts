import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { V1ListMeta } from '@kubernetes/client-node';
import { LIST_PAGE_SIZE, listInPages } from '../../../shared/paged-list.ts';

/** A server holding `total` items that answers LIST pages as the API server does. */
function server(total: number, resourceVersion = '42') {
  const calls: Array<{ limit: number; _continue?: string }> = [];
  const page = async (o: { limit: number; _continue?: string }) => {
    calls.push(o);
    const start = o._continue ? Number(o._continue.slice('c-'.length)) : 0;
    const end = Math.min(total, start + o.limit);
    // Each page with its own resourceVersion: only the first page's may reach the caller.
    const metadata: V1ListMeta = {
      resourceVersion: start === 0 ? resourceVersion : `${resourceVersion}-page-${start}`,
    };
    if (end < total) {
      metadata._continue = `c-${end}`;
      metadata.remainingItemCount = total - end;
    }
    return { metadata, items: Array.from({ length: end - start }, (_, i) => start + i) };
  };
  return { calls, page };
}

test('one page: one call without a continue token, the list as given', async () => {
  const s = server(3);
  const list = await listInPages(s.page);
  assert.deepEqual(list.items, [0, 1, 2]);
  assert.deepEqual(s.calls, [{ limit: LIST_PAGE_SIZE }]);
  assert.equal(list.metadata?.resourceVersion, '42');
});

test('several pages: every item once and in order, each token passed on, the first resourceVersion kept, no token left', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 3 * LIST_PAGE_SIZE + 7 }), async (total) => {
      const s = server(total);
      const list = await listInPages(s.page);
      assert.deepEqual(
        list.items,
        Array.from({ length: total }, (_, i) => i),
      );
      assert.equal(s.calls.length, Math.max(1, Math.ceil(total / LIST_PAGE_SIZE)));
      assert.equal(s.calls[0]!._continue, undefined);
      for (const [i, c] of s.calls.entries()) {
        assert.equal(c.limit, LIST_PAGE_SIZE);
        if (i > 0) assert.equal(c._continue, `c-${i * LIST_PAGE_SIZE}`);
      }
      assert.equal(list.metadata?.resourceVersion, '42');
      assert.equal(list.metadata?._continue, undefined);
      assert.equal(list.metadata?.remainingItemCount, undefined);
    }),
    { numRuns: 40 },
  );
});

test('a failing page fails the whole list (the informer lists again; no partial list is served)', async () => {
  const s = server(2 * LIST_PAGE_SIZE);
  let n = 0;
  const failing = async (o: { limit: number; _continue?: string }) => {
    if (n++ === 1) throw new Error('410 Gone: the continue token expired');
    return s.page(o);
  };
  await assert.rejects(listInPages(failing), /410 Gone/);
});
