// Who may call the node port, decided as the kubelet decides it (kubernetes
// pkg/kubelet/server/auth.go and server.go InstallAuthFilter): a client certificate verified
// against the client CA, else a bearer token through TokenReview; then SubjectAccessReview on
// the node with the request's attributes. No credentials or a rejected one: 401; not allowed:
// 403; the API server unreachable while authorizing: 500. Answers are cached as the kubelet
// caches them (webhook defaults: tokens 2 min, allowed 5 min, denied 30 s), keyed by a hash of
// the token, never the token itself.
import { createHash } from 'node:crypto';
import type { KubeletRequest } from '../server/exchange.ts';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { nodeAttributes } from './attributes.ts';
import type { ReviewClient, UserInfo } from './review.ts';
import { TtlCache } from './ttl-cache.ts';

export interface AuthCacheTtls {
  tokenMs: number;
  allowedMs: number;
  deniedMs: number;
}

/** The kubelet's defaults (KubeletConfiguration authentication.webhook.cacheTTL, authorization.webhook.cacheAuthorized/UnauthorizedTTL). */
export const KUBELET_AUTH_CACHE_TTLS: AuthCacheTtls = {
  tokenMs: 120_000,
  allowedMs: 300_000,
  deniedMs: 30_000,
};
const MAX_CACHE_ENTRIES = 1024;

export type GateDecision =
  { ok: true; user: UserInfo } | { ok: false; status: 401 | 403 | 500; body: string };

export interface NodeAuthGate {
  decide(req: KubeletRequest): Promise<GateDecision>;
}

/** Who a request without credentials is when anonymous requests are let in (the API server's names). */
const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Pure: the user of a verified client certificate (CN the name, O the groups), as x509 authentication maps it. */
export function userOfCertificate(
  subject: { CN?: string | string[]; O?: string | string[] } | undefined,
): UserInfo | undefined {
  const cn = Array.isArray(subject?.CN) ? subject.CN[0] : subject?.CN;
  if (!cn) return undefined;
  const o = subject?.O;
  return { username: cn, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

/** Pure: the bearer token of an Authorization header, if it carries one. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export function createNodeAuthGate(o: {
  nodeName: string;
  reviews: ReviewClient;
  log: Logger;
  ttls?: Partial<AuthCacheTtls>;
  now?: () => number;
  /** No credentials: go on as system:anonymous instead of 401 (the kubelet's --anonymous-auth). */
  anonymous?: boolean;
  /** Every authenticated user is allowed (the kubelet's --authorization-mode=AlwaysAllow). */
  alwaysAllow?: boolean;
}): NodeAuthGate {
  const ttls = { ...KUBELET_AUTH_CACHE_TTLS, ...o.ttls };
  const tokens = new TtlCache<UserInfo | null>(MAX_CACHE_ENTRIES, o.now);
  const decisions = new TtlCache<boolean>(MAX_CACHE_ENTRIES, o.now);

  const authenticate = async (req: KubeletRequest): Promise<UserInfo | 'rejected' | undefined> => {
    const socket = req.socket as TLSSocket;
    const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const hasCert = cert !== undefined && Object.keys(cert).length > 0;
    // As the kubelet's union authenticator: a verified certificate wins, else a token may.
    if (hasCert && socket.authorized) {
      const user = userOfCertificate(cert.subject);
      if (user) return user;
    }
    const token = bearerToken(req.headers.authorization);
    // A certificate the CA did not sign, and no token: a failed login, not an anonymous one.
    if (token === undefined) return hasCert ? 'rejected' : undefined;
    const key = createHash('sha256').update(token).digest('hex');
    const cached = tokens.get(key);
    if (cached !== undefined) return cached ?? 'rejected';
    const user = await o.reviews.reviewToken(token);
    tokens.set(key, user ?? null, ttls.tokenMs);
    return user ?? 'rejected';
  };

  return {
    async decide(req) {
      let user;
      try {
        user = await authenticate(req);
      } catch (err) {
        // The kubelet answers an authentication error with 401 as well.
        o.log.warn({ err }, 'kubelet API: TokenReview failed');
        return { ok: false, status: 401, body: 'Unauthorized' };
      }
      if (user === undefined && o.anonymous) user = ANONYMOUS;
      if (user === undefined || user === 'rejected') return { ok: false, status: 401, body: 'Unauthorized' };
      if (o.alwaysAllow) return { ok: true, user };
      const attrs = nodeAttributes(req.method, req.url ?? '', o.nodeName);
      for (const subresource of attrs.subresources) {
        const key = JSON.stringify([
          user.username,
          user.uid,
          user.groups,
          user.extra,
          attrs.verb,
          subresource,
        ]);
        let allowed = decisions.get(key);
        if (allowed === undefined) {
          try {
            allowed = (
              await o.reviews.reviewAccess(user, { verb: attrs.verb, subresource, name: o.nodeName })
            ).allowed;
          } catch (err) {
            o.log.warn({ err, user: user.username }, 'kubelet API: SubjectAccessReview failed');
            return {
              ok: false,
              status: 500,
              body: `Authorization error (user=${user.username}, verb=${attrs.verb}, resource=nodes, subresource=${subresource})`,
            };
          }
          decisions.set(key, allowed, allowed ? ttls.allowedMs : ttls.deniedMs);
        }
        if (allowed) return { ok: true, user };
      }
      const subresource = attrs.subresources[attrs.subresources.length - 1];
      return {
        ok: false,
        status: 403,
        body: `Forbidden (user=${user.username}, verb=${attrs.verb}, resource=nodes, subresource=${subresource})`,
      };
    },
  };
}
