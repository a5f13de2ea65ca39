// The two questions the node port asks the API server, as the kubelet's webhook
// authenticator and authorizer do: who holds this bearer token (TokenReview), and may this
// user do this to this node (SubjectAccessReview). Behind an interface so the gate is tested
// without a cluster.
import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface AccessQuestion {
  verb: string;
  subresource: string;
  name: string;
}

export interface ReviewClient {
  /** The token's user, or undefined when the API server does not accept the token. */
  reviewToken(token: string): Promise<UserInfo | undefined>;
  /** Whether `user` may `verb` the node's `subresource`. */
  reviewAccess(user: UserInfo, q: AccessQuestion): Promise<{ allowed: boolean; reason?: string }>;
}

export function kubeReviewClient(kc: KubeConfig): ReviewClient {
  const authn = kc.makeApiClient(AuthenticationV1Api);
  const authz = kc.makeApiClient(AuthorizationV1Api);
  return {
    async reviewToken(token) {
      const review = await authn.createTokenReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      });
      const user = review.status?.user;
      if (!review.status?.authenticated || !user?.username) return undefined;
      return { username: user.username, uid: user.uid, groups: user.groups ?? [], extra: user.extra };
    },
    async reviewAccess(user, q) {
      const review = await authz.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.username,
            uid: user.uid,
            groups: user.groups,
            extra: user.extra,
            resourceAttributes: {
              verb: q.verb,
              group: '',
              version: 'v1',
              resource: 'nodes',
              subresource: q.subresource,
              name: q.name,
            },
          },
        },
      });
      return { allowed: review.status?.allowed === true, reason: review.status?.reason };
    },
  };
}
