// Who may call the kubelet port: with auth options, every request, plain or upgrade, passes
// the auth gate (kubelet/auth/: client certificate or TokenReview, then SubjectAccessReview)
// before its handler runs; without them anyone may call.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createNodeAuthGate, type AuthCacheTtls, type GateDecision } from '../auth/gate.ts';
import { kubeReviewClient, type ReviewClient } from '../auth/review.ts';
import type { KubeletRequest } from './exchange.ts';

export interface KubeletAuthOptions {
  /** The node's name: the object SubjectAccessReviews ask about. */
  nodeName: string;
  /** Client certificates signed by this CA authenticate (CN user, O groups); without it only tokens do. */
  clientCaPem?: string;
  /** Credentials for TokenReview and SubjectAccessReview (the reconciler's own). */
  kubeConfig: KubeConfig;
  /** Requests without credentials go on as system:anonymous (the kubelet's --anonymous-auth). */
  anonymous?: boolean;
  /** Skip SubjectAccessReview (the kubelet's --authorization-mode=AlwaysAllow). */
  alwaysAllow?: boolean;
  /** Replaces the API calls (tests). */
  reviews?: ReviewClient;
  cacheTtls?: Partial<AuthCacheTtls>;
}

type Refusal = Extract<GateDecision, { ok: false }>;

/** Runs `next` once the caller is let in; otherwise `refuse` gets the 401/403/500. */
type Admit = (req: KubeletRequest, next: () => void, refuse: (d: Refusal) => void) => void;

export function createAdmission(auth: KubeletAuthOptions | undefined, log: Logger): Admit {
  if (!auth) return (_req, next) => next();
  const gate = createNodeAuthGate({
    nodeName: auth.nodeName,
    reviews: auth.reviews ?? kubeReviewClient(auth.kubeConfig),
    log,
    ttls: auth.cacheTtls,
    anonymous: auth.anonymous,
    alwaysAllow: auth.alwaysAllow,
  });
  return (req, next, refuse) => {
    gate
      .decide(req)
      .then(
        (d) => (d.ok ? next() : refuse(d)),
        (err: unknown) => {
          log.error({ err }, 'kubelet API: authorization failed unexpectedly');
          refuse({ ok: false, status: 500, body: 'internal error while authorizing' });
        },
      )
      .catch((err: unknown) => {
        // The handler threw after admission: nothing sensible can follow on this connection.
        log.error({ err, url: req.url?.slice(0, 256) }, 'kubelet API: handler threw');
        req.socket.destroy();
      });
  };
}
