// Pure: the authorization attributes of a request to the node port, as the kubelet derives
// them (kubernetes pkg/kubelet/server/auth.go, GetRequestAttributes): resource `nodes`, the
// node's name, the verb from the HTTP method, and the subresource from the path; with the
// fine-grained kubelet authorization (GA) some paths may also be allowed by a narrower
// subresource, tried first, and any one allowed admits the request.

export interface NodeAttributes {
  verb: string;
  /** Tried in order; allowed if any is. */
  subresources: string[];
  name: string;
  path: string;
}

const VERBS: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** Pure: the API verb of an HTTP method ('' for others, which no rule grants). */
export function verbOf(method: string | undefined): string {
  return VERBS[method ?? ''] ?? '';
}

/** The kubelet's isSubpath: the path itself or anything under it. */
function isSubpath(path: string, prefix: string): boolean {
  const p = prefix.replace(/\/$/, '');
  return path === p || (path.startsWith(p) && path[p.length] === '/');
}

/** Pure: the subresources that may admit `path`. */
export function subresourcesOf(path: string): string[] {
  if (isSubpath(path, '/stats/')) return ['stats'];
  if (isSubpath(path, '/metrics')) return ['metrics'];
  if (isSubpath(path, '/logs/')) return ['log'];
  if (isSubpath(path, '/checkpoint/')) return ['checkpoint'];
  if (isSubpath(path, '/pods') || isSubpath(path, '/runningpods/')) return ['pods', 'proxy'];
  if (isSubpath(path, '/healthz')) return ['healthz', 'proxy'];
  if (isSubpath(path, '/configz')) return ['configz', 'proxy'];
  return ['proxy'];
}

/** Pure: the attributes of a request target (the raw `req.url`) on node `name`. */
export function nodeAttributes(method: string | undefined, rawUrl: string, name: string): NodeAttributes {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  return { verb: verbOf(method), subresources: subresourcesOf(path), name, path };
}
