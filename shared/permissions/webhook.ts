// The webhook's API permissions, checked at start by webhook/main.ts (./check.ts). One row per
// call the code makes, naming the code; deploy/webhook/rbac.yaml grants the same
// (test/unit/shared/self-check-rbac.test.ts keeps the two in step).
import type { KubeConfig } from '@kubernetes/client-node';
import { selfCheck, type Permission } from './check.ts';

export interface WebhookPermissionInput {
  /** The webhook's own namespace (its certificate Secret). */
  namespace: string;
  /** Set when certificates come from a directory: no Secret and no caBundle patch then. */
  certDir?: string;
  certSecret: string;
  webhookConfigName: string;
  /** `<namespace>/<name>` of the ECI Profile ConfigMap. */
  profileConfigMap: string;
  /** `<namespace>/<name>` of the cluster DNS Service. */
  dnsService: string;
}

function split(ref: string): { namespace: string; name: string } {
  const [namespace = '', name = ''] = ref.split('/');
  return { namespace, name };
}

/** Pure: every permission the webhook needs with this configuration. */
export function webhookPermissions(input: WebhookPermissionInput): Permission[] {
  const profile = split(input.profileConfigMap);
  const dns = split(input.dnsService);
  const namespaces = 'the namespace cache (webhook/cluster.ts)';
  const certs = 'the self-managed certificate (webhook/certs.ts)';
  const selfManaged: Permission[] = input.certDir
    ? []
    : [
        ...['get', 'patch'].map((verb): Permission => ({
          verb,
          resource: 'mutatingwebhookconfigurations',
          group: 'admissionregistration.k8s.io',
          name: input.webhookConfigName,
          neededBy: `the caBundle, ${certs}`,
        })),
        { verb: 'create', resource: 'secrets', namespace: input.namespace, neededBy: certs },
        ...['get', 'update'].map((verb): Permission => ({
          verb,
          resource: 'secrets',
          namespace: input.namespace,
          name: input.certSecret,
          neededBy: certs,
        })),
      ];
  return [
    ...['get', 'list', 'watch'].map((verb): Permission => ({
      verb,
      resource: 'namespaces',
      neededBy: namespaces,
    })),
    ...selfManaged,
    ...['list', 'watch'].map((verb): Permission => ({
      verb,
      resource: 'configmaps',
      ...profile,
      neededBy: 'the ECI Profile watch (shared/profile-watcher.ts)',
    })),
    ...['list', 'watch'].map((verb): Permission => ({
      verb,
      resource: 'services',
      ...dns,
      neededBy: 'the cluster DNS address (webhook/cluster.ts)',
    })),
    {
      verb: 'create',
      resource: 'events',
      namespace: profile.namespace,
      neededBy: 'InvalidEciProfile Events (shared/profile-watcher.ts)',
    },
  ];
}

/** webhook/main.ts's start-up check; false = exit. */
export function checkWebhookPermissions(kc: KubeConfig, input: WebhookPermissionInput): Promise<boolean> {
  return selfCheck('eci-webhook', kc, webhookPermissions(input));
}
