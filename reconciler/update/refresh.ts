// Pure: which of a running pod's ConfigFile volumes need new contents, as a kubelet refreshes
// mounted ConfigMaps, Secrets and projected service-account tokens. A volume is refreshed
// only if some container mounts it without subPath (a subPath mount never sees updates on a
// kubelet either); a token is rewritten once `fraction` (0.8, the kubelet's) of its lifetime
// has passed, not on every check. docs/updates.md says how ECI applies the update.
import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';

export interface ConfigFile {
  path?: string;
  content?: string;
  /** sha256 of `content`, kept instead of it for a group's files (keptFile). */
  digest?: string;
  /** `iat` and `exp` of a token file, kept instead of its content (keptFile). */
  times?: { iat: number; exp: number };
}

/** Pure: the digest of a file's content (the one kept, or computed); undefined when there is none. */
export function contentDigest(f: ConfigFile | undefined): string | undefined {
  if (f?.digest !== undefined) return f.digest;
  return f?.content === undefined ? undefined : createHash('sha256').update(f.content).digest('base64');
}

/** base64 of a JWT starts with base64('eyJ'), its header's opening `{"`. */
const JWT_B64_PREFIX = 'ZXlK';

/**
 * Pure: what a group keeps of one of its files: the path, a digest of the content to compare
 * and, for a token, its times (the refresher reads nothing else). A service-account token is
 * about 1.1 KB unique per pod (docs/scale.md).
 */
export function keptFile(f: ConfigFile): ConfigFile {
  const times = f.times ?? (f.content?.startsWith(JWT_B64_PREFIX) ? jwtTimes(f.content) : undefined);
  return { path: f.path, digest: contentDigest(f), ...(times ? { times } : {}) };
}

export interface FileVolume {
  name: string;
  files: ConfigFile[];
}

export type RefreshReason = 'content' | 'token';

/**
 * Names of the ConfigMap, Secret, downward API and projected volumes mounted at least once
 * without subPath (a kubelet updates the downward API files when labels or annotations change).
 */
export function refreshableVolumes(pod: V1Pod): Set<string> {
  const kinds = new Set(
    (pod.spec?.volumes ?? [])
      .filter((v) => v.configMap || v.secret || v.projected || v.downwardAPI)
      .map((v) => v.name),
  );
  const out = new Set<string>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const m of c.volumeMounts ?? []) {
      if (kinds.has(m.name) && !m.subPath && !m.subPathExpr) out.add(m.name);
    }
  }
  return out;
}

/** Volume name → the paths of its projected service-account token files. */
export function tokenFiles(pod: V1Pod): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const v of pod.spec?.volumes ?? []) {
    const paths = (v.projected?.sources ?? []).flatMap((s) =>
      s.serviceAccountToken ? [s.serviceAccountToken.path] : [],
    );
    if (paths.length) out.set(v.name, new Set(paths));
  }
  return out;
}

/** `iat` and `exp` (seconds) of a base64-encoded JWT file; undefined when it is not one. */
export function jwtTimes(contentB64: string | undefined): { iat: number; exp: number } | undefined {
  if (!contentB64) return undefined;
  const payload = Buffer.from(contentB64, 'base64').toString('utf8').split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      iat?: unknown;
      exp?: unknown;
    };
    return typeof claims.iat === 'number' && typeof claims.exp === 'number'
      ? { iat: claims.iat, exp: claims.exp }
      : undefined;
  } catch {
    return undefined;
  }
}

export interface TokenPolicy {
  /** Part of the lifetime after which a token is renewed (the kubelet: 0.8). */
  fraction: number;
  /**
   * The lifetime asked for (seconds). The API server may issue a longer one (it extends the
   * kubelet's 3607 s tokens to a year, for old clients); the renewal follows what was asked.
   */
  requestedSeconds: number;
}

/** True when the token in the group is due for renewal (or unreadable, so renewed). */
export function tokenDue(contentB64: string | undefined, nowMs: number, policy: TokenPolicy): boolean {
  const t = jwtTimes(contentB64);
  if (!t) return true;
  const lifetime = Math.min(t.exp - t.iat, policy.requestedSeconds);
  return nowMs / 1000 >= t.iat + lifetime * policy.fraction;
}

/** tokenDue of a file the group holds (its kept times, or its content). */
function fileTokenDue(f: ConfigFile, nowMs: number, policy: TokenPolicy): boolean {
  if (!f.times) return tokenDue(f.content, nowMs, policy);
  const lifetime = Math.min(f.times.exp - f.times.iat, policy.requestedSeconds);
  return nowMs / 1000 >= f.times.iat + lifetime * policy.fraction;
}

/** True when some token file the group holds is due (or the pod projects a token the group lacks). */
export function anyTokenDue(pod: V1Pod, current: FileVolume[], nowMs: number, policy: TokenPolicy): boolean {
  for (const [volume, paths] of tokenFiles(pod)) {
    const cur = current.find((c) => c.name === volume);
    for (const path of paths) {
      const file = cur?.files.find((f) => f.path === path);
      if (cur && (!file || fileTokenDue(file, nowMs, policy))) return true;
    }
  }
  return false;
}

/**
 * The pod without its projected token sources: reading its references then asks the API server
 * for no token (a TokenRequest per pod per interval otherwise, only to be thrown away).
 */
export function withoutTokenSources(pod: V1Pod): V1Pod {
  const volumes = pod.spec?.volumes?.map((v) =>
    v.projected
      ? {
          ...v,
          projected: {
            ...v.projected,
            sources: (v.projected.sources ?? []).filter((x) => !x.serviceAccountToken),
          },
        }
      : v,
  );
  return { ...pod, spec: { ...pod.spec!, volumes } };
}

const byPath = (files: ConfigFile[]) =>
  [...files]
    .sort((a, b) => (a.path ?? '').localeCompare(b.path ?? ''))
    .map((f) => `${f.path}\n${contentDigest(f)}`);

/**
 * The volumes to send (their whole file lists) and why. `wanted` comes from translating the
 * pod with fresh references (a fresh token each time); `current` is what the group holds.
 * A volume to resend that would keep a token the group holds only as a digest (keptFile)
 * cannot carry it: `needsTokens` asks the caller to read the pod with its tokens and plan again
 * (the fresh token then goes out with the volume).
 */
export function planRefresh(
  pod: V1Pod,
  wanted: FileVolume[],
  current: FileVolume[],
  nowMs: number,
  policy: TokenPolicy,
): { volumes: FileVolume[]; reasons: Set<RefreshReason>; needsTokens: boolean } {
  const refreshable = refreshableVolumes(pod);
  const tokens = tokenFiles(pod);
  const volumes: FileVolume[] = [];
  const reasons = new Set<RefreshReason>();
  let needsTokens = false;
  for (const w of wanted) {
    const cur = current.find((c) => c.name === w.name);
    // A volume the group does not hold as files (it was empty at create) cannot be refreshed in place.
    if (!cur || !refreshable.has(w.name)) continue;
    const tokenPaths = tokens.get(w.name) ?? new Set<string>();
    const why = new Set<RefreshReason>();
    // `files` is what would be sent; `compared` what decides whether anything changed (a token
    // that is not due counts as the one the group holds, even when a fresh one is sent along).
    const files: ConfigFile[] = [];
    const compared: ConfigFile[] = [];
    for (const f of w.files) {
      const old = cur.files.find((o) => o.path === f.path);
      if (tokenPaths.has(f.path ?? '')) {
        if (old && !fileTokenDue(old, nowMs, policy)) {
          // A token kept only as a digest cannot be sent back: the fresh one goes instead.
          files.push(old.content !== undefined ? old : f);
          compared.push(old);
          continue;
        }
        why.add('token');
      } else if (contentDigest(old) !== contentDigest(f)) why.add('content');
      files.push(f);
      compared.push(f);
    }
    // Read without tokens (none due): the group keeps the ones it has.
    for (const path of tokenPaths) {
      const old = cur.files.find((o) => o.path === path);
      if (old && !files.some((f) => f.path === path)) {
        files.push(old);
        compared.push(old);
      }
    }
    if (byPath(compared).join('\0') === byPath(cur.files).join('\0')) continue;
    if (files.some((f) => f.content === undefined && f.digest !== undefined)) needsTokens = true;
    volumes.push({ name: w.name, files });
    for (const r of why.size ? why : ['content' as const]) reasons.add(r);
  }
  return { volumes, reasons, needsTokens };
}
