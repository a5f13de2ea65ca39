// Shared fixtures for the translation tests: defaults, a service-account volume
// as the ServiceAccount admission plugin adds it, and result unwrapping.
import assert from 'node:assert/strict';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { translatePod, type TranslateInput } from '../../../reconciler/translate.ts';

export const DEFAULTS: TranslateInput['defaults'] = {
  regionId: 'cn-hangzhou',
  vSwitchIds: ['vsw-default'],
  securityGroupId: 'sg-default',
};

/** The wire-name map of a successful translation (what the SDK sends and the emulator stores). */
export function wire(input: Omit<TranslateInput, 'defaults'> & { defaults?: TranslateInput['defaults'] }): {
  map: Record<string, unknown>;
  warnings: string[];
} {
  const r = translatePod({ defaults: DEFAULTS, ...input });
  if (!r.ok) assert.fail(`expected success, got ${JSON.stringify(r.errors)}`);
  return { map: r.request.toMap() as Record<string, unknown>, warnings: r.warnings };
}

/** The errors of a failed translation. */
export function errors(input: Omit<TranslateInput, 'defaults'> & { defaults?: TranslateInput['defaults'] }) {
  const r = translatePod({ defaults: DEFAULTS, ...input });
  if (r.ok) assert.fail('expected errors, got a request');
  return r.errors;
}

/** The projected volume and mount the ServiceAccount admission plugin adds to every pod. */
export function withServiceAccountVolume(pod: V1Pod, suffix = 'x7k2p'): V1Pod {
  const name = `kube-api-access-${suffix}`;
  const spec = pod.spec ?? { containers: [] };
  const mount = (c: V1Container): V1Container => ({
    ...c,
    volumeMounts: [
      ...(c.volumeMounts ?? []),
      { name, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
  });
  return {
    ...pod,
    spec: {
      ...spec,
      serviceAccountName: spec.serviceAccountName ?? 'default',
      containers: spec.containers.map(mount),
      ...(spec.initContainers ? { initContainers: spec.initContainers.map(mount) } : {}),
      volumes: [
        ...(spec.volumes ?? []),
        {
          name,
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              {
                downwardAPI: {
                  items: [
                    { path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
                  ],
                },
              },
            ],
          },
        },
      ],
    },
  };
}

export const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
