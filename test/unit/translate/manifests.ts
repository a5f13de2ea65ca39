// Turns an example manifest (examples/translate/*.yaml, written as a user writes
// it) into the translation input the reconciler would build: the pod as the
// controllers, the ServiceAccount admission plugin and our webhook leave it, and
// the ConfigMaps, Secrets and bound claims it references as the API returns them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  V1ConfigMap,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodTemplateSpec,
  V1Secret,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { TranslateInput } from '../../../reconciler/translate.ts';
import { withServiceAccountVolume } from './helpers.ts';

export const EXAMPLES = fileURLToPath(new URL('../../../examples/translate/', import.meta.url));
export const NAMESPACE = 'shop';
export const NODE = 'virtual-node-eci-0';

interface Doc {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}

export function loadExample(file: string): Omit<TranslateInput, 'defaults'> {
  const docs = parseAllDocuments(readFileSync(EXAMPLES + file, 'utf8')).map((d) => d.toJS() as Doc);
  const configMaps: Record<string, V1ConfigMap> = {};
  const secrets: Record<string, V1Secret> = {};
  const persistentVolumeClaims: Record<string, V1PersistentVolumeClaim> = {};
  const persistentVolumes: Record<string, V1PersistentVolume> = {};
  let pod: V1Pod | undefined;
  for (const doc of docs) {
    const metadata = { ...doc.metadata, namespace: NAMESPACE };
    switch (doc.kind) {
      case 'ConfigMap':
        configMaps[doc.metadata.name] = { metadata, ...(doc.data ? { data: doc.data } : {}) };
        break;
      case 'Secret': {
        // The API server folds stringData into data.
        const data = { ...(doc.data ?? {}) };
        for (const [k, v] of Object.entries(doc.stringData ?? {}))
          data[k] = Buffer.from(v).toString('base64');
        secrets[doc.metadata.name] = { metadata, type: doc.type ?? 'Opaque', data };
        break;
      }
      case 'PersistentVolume':
        persistentVolumes[doc.metadata.name] = {
          metadata: doc.metadata,
          spec: doc.spec as V1PersistentVolume['spec'],
        };
        break;
      case 'Pod':
        pod = { metadata, spec: doc.spec as unknown as V1Pod['spec'] };
        break;
      case 'Deployment':
        pod = fromTemplate(doc, `${doc.metadata.name}-6d4cf56db6-w2x9k`, {
          'pod-template-hash': '6d4cf56db6',
        });
        break;
      case 'Job':
        pod = fromTemplate(doc, `${doc.metadata.name}-xk2p9`, {
          'batch.kubernetes.io/job-name': doc.metadata.name,
          'job-name': doc.metadata.name,
        });
        break;
      case 'StatefulSet': {
        const name = `${doc.metadata.name}-0`;
        pod = fromTemplate(doc, name, { 'statefulset.kubernetes.io/pod-name': name });
        pod.spec = { ...pod.spec!, hostname: name, subdomain: String(doc.spec?.serviceName) };
        const templates = (doc.spec?.volumeClaimTemplates ?? []) as Array<{ metadata: { name: string } }>;
        for (const t of templates) {
          // The StatefulSet controller names the claim; the PersistentVolume controller binds it
          // to the file's PersistentVolume of the same storage class.
          const claim = `${t.metadata.name}-${name}`;
          persistentVolumeClaims[claim] = {
            metadata: { name: claim, namespace: NAMESPACE },
            spec: {},
            status: {},
          };
          pod.spec!.volumes = [
            ...(pod.spec!.volumes ?? []),
            { name: t.metadata.name, persistentVolumeClaim: { claimName: claim } },
          ];
        }
        break;
      }
    }
  }
  if (!pod) throw new Error(`${file} has no workload`);
  // Bind each claim to the next unclaimed volume, as the PersistentVolume controller would.
  const free = Object.keys(persistentVolumes);
  for (const claim of Object.values(persistentVolumeClaims)) {
    const pv = free.shift();
    if (!pv) throw new Error(`${file}: no PersistentVolume for claim ${claim.metadata?.name}`);
    claim.spec = { ...claim.spec, volumeName: pv };
    claim.status = { phase: 'Bound' };
    const volume = persistentVolumes[pv]!;
    volume.spec = {
      ...volume.spec,
      claimRef: { kind: 'PersistentVolumeClaim', namespace: NAMESPACE, name: claim.metadata?.name },
    };
  }
  // What the webhook stamps and the scheduler sets.
  pod.metadata = {
    ...pod.metadata,
    uid: `uid-${pod.metadata?.name}`,
    annotations: {
      ...(pod.metadata?.annotations ?? {}),
      'k8s.aliyun.com/cluster-dns': '10.96.0.10',
      'k8s.aliyun.com/cluster-domain': 'cluster.local',
    },
  };
  pod.spec = { ...pod.spec!, nodeName: NODE };
  return {
    pod: withServiceAccountVolume(pod),
    configMaps,
    secrets,
    persistentVolumeClaims,
    persistentVolumes,
    // The examples' operator lets their namespace use the privileged annotations
    // (every-annotation.yaml sets them all).
    policy: { allowAll: false, allowedNamespaces: [NAMESPACE], byAnnotation: {} },
  };
}

function fromTemplate(doc: Doc, name: string, labels: Record<string, string>): V1Pod {
  const template = doc.spec?.template as V1PodTemplateSpec;
  return {
    metadata: {
      ...template.metadata,
      name,
      namespace: NAMESPACE,
      labels: { ...(template.metadata?.labels ?? {}), ...labels },
    },
    spec: structuredClone(template.spec),
  };
}
