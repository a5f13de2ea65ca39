// The objects a pod's translation reads, so the reconciler fetches exactly those
// (one definition: what translatePod looks up is what this lists).
import type { V1Pod } from '@kubernetes/client-node';
import { serviceAccountTokenAudiences } from './volumes.ts';

export interface PodReferences {
  configMaps: string[];
  secrets: string[];
  /** Claim names, including the `<pod>-<volume>` claims of generic ephemeral volumes. */
  persistentVolumeClaims: string[];
  /** TokenRequest audiences ('' = the API server's own). */
  serviceAccountTokenAudiences: string[];
}

export function podReferences(pod: V1Pod): PodReferences {
  const spec = pod.spec;
  const cms = new Set<string>();
  const secrets = new Set<string>();
  const claims = new Set<string>();
  const add = (set: Set<string>, name: string | undefined) => {
    if (name) set.add(name);
  };
  for (const v of spec?.volumes ?? []) {
    add(cms, v.configMap?.name);
    add(secrets, v.secret?.secretName);
    add(claims, v.persistentVolumeClaim?.claimName);
    if (v.ephemeral) add(claims, `${pod.metadata?.name ?? ''}-${v.name}`);
    for (const s of v.projected?.sources ?? []) {
      add(cms, s.configMap?.name);
      add(secrets, s.secret?.name);
    }
  }
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      add(cms, e.valueFrom?.configMapKeyRef?.name);
      add(secrets, e.valueFrom?.secretKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add(cms, e.configMapRef?.name);
      add(secrets, e.secretRef?.name);
    }
  }
  for (const s of spec?.imagePullSecrets ?? []) add(secrets, s.name);
  return {
    configMaps: [...cms],
    secrets: [...secrets],
    persistentVolumeClaims: [...claims],
    serviceAccountTokenAudiences: serviceAccountTokenAudiences(spec?.volumes),
  };
}
