// Pod volumes → Volume.N. ConfigMap, Secret, projected and downwardAPI volumes
// become ConfigFileVolumes with their contents inlined (ECI has no API access to
// the cluster), within ECI's 32 KiB per file / 60 KiB per pod limits.
import type {
  V1DownwardAPIVolumeFile,
  V1KeyToPath,
  V1PersistentVolumeSpec,
  V1Volume,
} from '@kubernetes/client-node';
import type { EciRequestFields } from './request.ts';
import type { Context } from './context.ts';
import { resolveResourceField, type PodTotals } from './env.ts';

type Volume = NonNullable<EciRequestFields['volume']>[number];
type ConfigFile = { path: string; content: string; mode?: number };

export const CONFIG_FILE_LIMIT = 32 * 1024;
export const MAX_VOLUMES = 20;
export const CONFIG_FILES_TOTAL_LIMIT = 60 * 1024;

export const DISK_CSI_DRIVER = 'diskplugin.csi.alibabacloud.com';
export const NAS_CSI_DRIVER = 'nasplugin.csi.alibabacloud.com';
/** The ConfigMap every namespace gets; the service-account volume projects its ca.crt. */
const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export interface VolumesResult {
  volumes: Volume[];
  /** Names of pod volumes with no ECI volume: their mounts are dropped. */
  skipped: Set<string>;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const byteLength = (base64: string) => Buffer.from(base64, 'base64').length;

/** The downward API's rendering of a label/annotation map: sorted `key="value"` lines. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k])}`)
    .join('\n');
}

/** Audiences of the service-account tokens a pod projects ('' = the API server's), for TokenRequest. */
export function serviceAccountTokenAudiences(volumes: V1Volume[] | undefined): string[] {
  const out = new Set<string>();
  for (const v of volumes ?? [])
    for (const s of v.projected?.sources ?? [])
      if (s.serviceAccountToken) out.add(s.serviceAccountToken.audience ?? '');
  return [...out];
}

export function translateVolumes(ctx: Context, totals: PodTotals): VolumesResult {
  const { input, issues, pod } = ctx;
  const volumes: Volume[] = [];
  const skipped = new Set<string>();
  let configBytes = 0;

  const keyed = (
    field: string,
    kind: 'ConfigMap' | 'Secret',
    name: string,
    data: Record<string, string>,
    items: V1KeyToPath[] | undefined,
    optional: boolean,
    files: ConfigFile[],
  ) => {
    if (!items?.length) {
      for (const [key, content] of Object.entries(data)) files.push({ path: key, content });
      return;
    }
    items.forEach((item, j) => {
      const content = data[item.key];
      if (content === undefined) {
        if (!optional) issues.missing(`${field}.items[${j}]`, `key ${item.key} not found in ${kind} ${name}`);
        return;
      }
      files.push({ path: item.path, content, ...(item.mode !== undefined ? { mode: item.mode } : {}) });
    });
  };

  const downward = (field: string, items: V1DownwardAPIVolumeFile[], files: ConfigFile[]) => {
    items.forEach((item, j) => {
      const f = `${field}.items[${j}]`;
      let value: string | undefined;
      if (item.fieldRef) {
        const path = item.fieldRef.fieldPath;
        const meta = pod.metadata ?? {};
        if (path === 'metadata.labels') value = formatMap(meta.labels);
        else if (path === 'metadata.annotations') value = formatMap(meta.annotations);
        else {
          const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
          if (m?.[1] && m[2] !== undefined)
            value = (m[1] === 'labels' ? meta.labels : meta.annotations)?.[m[2]] ?? '';
          else if (path === 'metadata.name') value = ctx.podName;
          else if (path === 'metadata.namespace') value = ctx.namespace;
          else if (path === 'metadata.uid') value = meta.uid ?? '';
          else issues.error(`${f}.fieldRef`, `fieldRef ${path} is not supported in a downwardAPI volume`);
        }
      } else if (item.resourceFieldRef) {
        const c = pod.spec?.containers?.find((x) => x.name === item.resourceFieldRef?.containerName);
        if (!c) issues.error(`${f}.resourceFieldRef`, 'containerName must name a container of the pod');
        else value = resolveResourceField(ctx, item.resourceFieldRef, c, totals, `${f}.resourceFieldRef`);
      }
      if (value !== undefined)
        files.push({
          path: item.path,
          content: b64(value),
          ...(item.mode !== undefined ? { mode: item.mode } : {}),
        });
    });
  };

  const configFiles = (
    field: string,
    v: V1Volume,
    files: ConfigFile[],
    defaultMode: number | undefined,
  ): Volume => {
    for (const file of files) {
      const bytes = byteLength(file.content);
      configBytes += bytes;
      if (bytes > CONFIG_FILE_LIMIT)
        issues.error(
          field,
          `file ${file.path} is ${bytes} bytes, over ECI's ${CONFIG_FILE_LIMIT}-byte limit per file`,
        );
    }
    if (files.length === 0) {
      // Kubernetes mounts an empty directory here; ECI rejects a ConfigFileVolume without files.
      return { name: v.name, type: 'EmptyDirVolume', emptyDirVolume: {} };
    }
    return {
      name: v.name,
      type: 'ConfigFileVolume',
      configFileVolume: {
        configFileToPath: files,
        ...(defaultMode !== undefined ? { defaultMode } : {}),
      },
    };
  };

  (pod.spec?.volumes ?? []).forEach((v, i) => {
    const field = `spec.volumes[${i}]`;
    let out: Volume | undefined;
    if (v.emptyDir) {
      const medium = v.emptyDir.medium;
      if (medium && medium !== 'Memory')
        issues.error(`${field}.emptyDir.medium`, `medium ${medium} is not supported`);
      out = {
        name: v.name,
        type: 'EmptyDirVolume',
        emptyDirVolume: {
          ...(medium === 'Memory' ? { medium } : {}),
          ...(v.emptyDir.sizeLimit !== undefined ? { sizeLimit: String(v.emptyDir.sizeLimit) } : {}),
        },
      };
    } else if (v.configMap) {
      const { name = '', optional = false, items, defaultMode } = v.configMap;
      const cm = input.configMaps?.[name];
      if (!cm) {
        if (!optional) issues.missing(`${field}.configMap`, `ConfigMap ${name} not found`);
        out = { name: v.name, type: 'EmptyDirVolume', emptyDirVolume: {} };
      } else {
        const data: Record<string, string> = { ...(cm.binaryData ?? {}) };
        for (const [k, s] of Object.entries(cm.data ?? {})) data[k] = b64(s);
        const files: ConfigFile[] = [];
        keyed(`${field}.configMap`, 'ConfigMap', name, data, items, optional, files);
        out = configFiles(field, v, files, defaultMode);
      }
    } else if (v.secret) {
      const { secretName = '', optional = false, items, defaultMode } = v.secret;
      const secret = input.secrets?.[secretName];
      if (!secret) {
        if (!optional) issues.missing(`${field}.secret`, `Secret ${secretName} not found`);
        out = { name: v.name, type: 'EmptyDirVolume', emptyDirVolume: {} };
      } else {
        const data: Record<string, string> = { ...(secret.data ?? {}) };
        for (const [k, s] of Object.entries(secret.stringData ?? {})) data[k] = b64(s);
        const files: ConfigFile[] = [];
        keyed(`${field}.secret`, 'Secret', secretName, data, items, optional, files);
        out = configFiles(field, v, files, defaultMode);
      }
    } else if (v.downwardAPI) {
      const files: ConfigFile[] = [];
      downward(`${field}.downwardAPI`, v.downwardAPI.items ?? [], files);
      out = configFiles(field, v, files, v.downwardAPI.defaultMode);
    } else if (v.projected) {
      const files: ConfigFile[] = [];
      (v.projected.sources ?? []).forEach((s, j) => {
        const f = `${field}.projected.sources[${j}]`;
        if (s.configMap) {
          const { name = '', optional = false, items } = s.configMap;
          const cm = input.configMaps?.[name];
          if (!cm) {
            if (name === ROOT_CA_CONFIGMAP)
              issues.warn(
                `${field}: ConfigMap ${ROOT_CA_CONFIGMAP} was not provided, so ca.crt is not mounted`,
              );
            else if (!optional) issues.missing(`${f}.configMap`, `ConfigMap ${name} not found`);
            return;
          }
          const data: Record<string, string> = { ...(cm.binaryData ?? {}) };
          for (const [k, s2] of Object.entries(cm.data ?? {})) data[k] = b64(s2);
          keyed(`${f}.configMap`, 'ConfigMap', name, data, items, optional, files);
        } else if (s.secret) {
          const { name = '', optional = false, items } = s.secret;
          const secret = input.secrets?.[name];
          if (!secret) {
            if (!optional) issues.missing(`${f}.secret`, `Secret ${name} not found`);
            return;
          }
          keyed(`${f}.secret`, 'Secret', name, { ...(secret.data ?? {}) }, items, optional, files);
        } else if (s.downwardAPI) {
          downward(`${f}.downwardAPI`, s.downwardAPI.items ?? [], files);
        } else if (s.serviceAccountToken) {
          const audience = s.serviceAccountToken.audience ?? '';
          const token = input.serviceAccountTokens?.[audience];
          if (token === undefined) {
            // Every pod has this volume; without a token the pod still runs, only without API access.
            issues.warn(
              `${field}: no service-account token${audience ? ` for audience ${audience}` : ''} was provided, ` +
                `so ${s.serviceAccountToken.path} is not mounted`,
            );
            return;
          }
          files.push({ path: s.serviceAccountToken.path, content: b64(token) });
        } else {
          issues.error(f, 'this projected volume source is not supported on ECI');
        }
      });
      out = configFiles(field, v, files, v.projected.defaultMode);
    } else if (v.nfs) {
      out = {
        name: v.name,
        type: 'NFSVolume',
        NFSVolume: { server: v.nfs.server, path: v.nfs.path, ...(v.nfs.readOnly ? { readOnly: true } : {}) },
      };
    } else if (v.persistentVolumeClaim || v.ephemeral) {
      const claimName = v.persistentVolumeClaim?.claimName ?? `${ctx.podName}-${v.name}`;
      const readOnly = v.persistentVolumeClaim?.readOnly ?? false;
      const f = v.persistentVolumeClaim ? `${field}.persistentVolumeClaim` : `${field}.ephemeral`;
      out = claimVolume(ctx, f, v.name, claimName, readOnly);
    } else if (v.flexVolume) {
      if (v.flexVolume.secretRef)
        issues.error(`${field}.flexVolume.secretRef`, 'flexVolume secrets are not supported on ECI');
      out = {
        name: v.name,
        type: 'FlexVolume',
        flexVolume: {
          driver: v.flexVolume.driver,
          ...(v.flexVolume.fsType ? { fsType: v.flexVolume.fsType } : {}),
          ...(v.flexVolume.options ? { options: JSON.stringify(v.flexVolume.options) } : {}),
        },
      };
    } else if (v.hostPath) {
      // Refused by the pod rules (shared/pod-rules.ts): no volume, its mounts are dropped.
    } else {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
      issues.error(`${field}.${kind}`, `volume ${v.name}: ${kind} volumes are not supported on ECI`);
    }
    if (out) volumes.push(out);
    else skipped.add(v.name);
  });

  if (volumes.length > MAX_VOLUMES)
    issues.error(
      'spec.volumes',
      `ECI allows at most ${MAX_VOLUMES} volumes per pod, this pod has ${volumes.length}`,
    );
  if (configBytes > CONFIG_FILES_TOTAL_LIMIT)
    issues.error(
      'spec.volumes',
      `configMap/secret/projected/downwardAPI files total ${configBytes} bytes, over ECI's ${CONFIG_FILES_TOTAL_LIMIT}-byte limit per pod`,
    );
  return { volumes, skipped };
}

function claimVolume(
  ctx: Context,
  field: string,
  name: string,
  claimName: string,
  readOnly: boolean,
): Volume | undefined {
  const { input, issues } = ctx;
  const pvc = input.persistentVolumeClaims?.[claimName];
  if (!pvc) {
    issues.missing(field, `PersistentVolumeClaim ${claimName} not found`);
    return undefined;
  }
  const pvName = pvc.spec?.volumeName;
  if (!pvName || (pvc.status?.phase !== undefined && pvc.status.phase !== 'Bound')) {
    issues.missing(field, `PersistentVolumeClaim ${claimName} is not bound to a PersistentVolume yet`);
    return undefined;
  }
  const pv = input.persistentVolumes?.[pvName];
  if (!pv?.spec) {
    issues.missing(field, `PersistentVolume ${pvName} (bound to ${claimName}) not found`);
    return undefined;
  }
  return persistentVolume(ctx, field, name, pvName, pv.spec, readOnly);
}

function persistentVolume(
  ctx: Context,
  field: string,
  name: string,
  pvName: string,
  spec: V1PersistentVolumeSpec,
  readOnly: boolean,
): Volume | undefined {
  const ro = readOnly ? { readOnly: true } : {};
  if (spec.csi?.driver === DISK_CSI_DRIVER) {
    return {
      name,
      type: 'DiskVolume',
      diskVolume: { diskId: spec.csi.volumeHandle, fsType: spec.csi.fsType ?? 'ext4' },
    };
  }
  if (spec.csi?.driver === NAS_CSI_DRIVER) {
    const attrs = spec.csi.volumeAttributes ?? {};
    const server = attrs.server;
    if (!server) {
      ctx.issues.error(field, `PersistentVolume ${pvName}: NAS volume has no volumeAttributes.server`);
      return undefined;
    }
    return {
      name,
      type: 'NFSVolume',
      NFSVolume: {
        server,
        path: attrs.path ?? '/',
        ...(readOnly || spec.csi.readOnly ? { readOnly: true } : {}),
      },
    };
  }
  if (spec.nfs) {
    return {
      name,
      type: 'NFSVolume',
      NFSVolume: {
        server: spec.nfs.server,
        path: spec.nfs.path,
        ...(readOnly || spec.nfs.readOnly ? { readOnly: true } : ro),
      },
    };
  }
  if (spec.flexVolume) {
    const opts = spec.flexVolume.options ?? {};
    if (spec.flexVolume.driver === 'alicloud/disk' && opts.volumeId)
      return {
        name,
        type: 'DiskVolume',
        diskVolume: { diskId: opts.volumeId, fsType: spec.flexVolume.fsType ?? 'ext4' },
      };
    if (spec.flexVolume.driver === 'alicloud/nas' && opts.server)
      return {
        name,
        type: 'NFSVolume',
        NFSVolume: { server: opts.server, path: opts.path ?? '/', ...ro },
      };
    return {
      name,
      type: 'FlexVolume',
      flexVolume: {
        driver: spec.flexVolume.driver,
        ...(spec.flexVolume.fsType ? { fsType: spec.flexVolume.fsType } : {}),
        options: JSON.stringify(opts),
      },
    };
  }
  const kind = spec.csi
    ? `CSI driver ${spec.csi.driver}`
    : (Object.keys(spec).find((k) => !COMMON_PV_FIELDS.has(k)) ?? 'unknown');
  ctx.issues.error(
    field,
    `PersistentVolume ${pvName}: ${kind} cannot be mounted on ECI (only Alibaba Cloud disk and NAS)`,
  );
  return undefined;
}

const COMMON_PV_FIELDS = new Set([
  'accessModes',
  'capacity',
  'claimRef',
  'mountOptions',
  'nodeAffinity',
  'persistentVolumeReclaimPolicy',
  'storageClassName',
  'volumeMode',
  'volumeAttributesClassName',
]);
