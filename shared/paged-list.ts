// A Kubernetes LIST read in pages (`limit` + `continue`), returned as the one list an unpaged
// LIST would give. The pages share the first page's resourceVersion (one snapshot), so an
// informer can start its watch from it. Why pages: one unpaged LIST of ~14,000 pods on a loaded
// 2-core machine outran the API server's request timeout again and again (docs/scale.md);
// pages of a few hundred keep each request short and the server's memory per request bounded.
import type { V1ListMeta } from '@kubernetes/client-node';

/** Objects per page: client-go's pager default. */
export const LIST_PAGE_SIZE = 500;

interface KubeList<T> {
  metadata?: V1ListMeta;
  items: T[];
}

/**
 * Calls `page` with no continue token, then with each token the server returns, until it
 * returns none; the items of every page, in order, in the first page's list object.
 */
export async function listInPages<T, L extends KubeList<T>>(
  page: (pageOptions: { limit: number; _continue?: string }) => Promise<L>,
): Promise<L> {
  const first = await page({ limit: LIST_PAGE_SIZE });
  let next = first.metadata?._continue;
  while (next) {
    const more = await page({ limit: LIST_PAGE_SIZE, _continue: next });
    for (const item of more.items) first.items.push(item);
    next = more.metadata?._continue;
  }
  if (first.metadata) {
    first.metadata._continue = undefined;
    first.metadata.remainingItemCount = undefined;
  }
  return first;
}
