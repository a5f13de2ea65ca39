// Pod volumes → Volume.N. ConfigMap, Secret, projected and downwardAPI volumes
// become ConfigFileVolumes with their contents inlined (ECI has no API access to
// the cluster), within ECI's 32 KiB per file / 60 KiB per pod limits.
import type { V1DownwardAPIVolumeFile, V1KeyToPath, V1Volume } from '@kubernetes/client-node';
import type { EciRequestFields } from './request.ts';
import { claimVolume } from './claims.ts';
import type { Context } from './context.ts';
import { resolveResourceField, type PodTotals } from './env.ts';

type Volume = NonNullable<EciRequestFields['volume']>[number];
type ConfigFile = { path: string; content: string; mode?: number };

const CONFIG_FILE_LIMIT = 32 * 1024;
const MAX_VOLUMES = 20;
const CONFIG_FILES_TOTAL_LIMIT = 60 * 1024;

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
        const f = `${field}.items[${j}]`;
        const ref = { kind, name, key: item.key };
        if (optional) issues.optionalMissing(f, ref);
        else issues.missing(f, `key ${item.key} not found in ${kind} ${name}`, ref);
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
        const ref = { kind: 'ConfigMap', name } as const;
        if (optional) issues.optionalMissing(`${field}.configMap`, ref);
        else issues.missing(`${field}.configMap`, `ConfigMap ${name} not found`, ref);
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
        const ref = { kind: 'Secret', name: secretName } as const;
        if (optional) issues.optionalMissing(`${field}.secret`, ref);
        else issues.missing(`${field}.secret`, `Secret ${secretName} not found`, ref);
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
            else if (optional) issues.optionalMissing(`${f}.configMap`, { kind: 'ConfigMap', name });
            else issues.missing(`${f}.configMap`, `ConfigMap ${name} not found`, { kind: 'ConfigMap', name });
            return;
          }
          const data: Record<string, string> = { ...(cm.binaryData ?? {}) };
          for (const [k, s2] of Object.entries(cm.data ?? {})) data[k] = b64(s2);
          keyed(`${f}.configMap`, 'ConfigMap', name, data, items, optional, files);
        } else if (s.secret) {
          const { name = '', optional = false, items } = s.secret;
          const secret = input.secrets?.[name];
          if (!secret) {
            if (optional) issues.optionalMissing(`${f}.secret`, { kind: 'Secret', name });
            else issues.missing(`${f}.secret`, `Secret ${name} not found`, { kind: 'Secret', name });
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
      out = claimVolume(ctx, f, v.name, claimName, readOnly, v.ephemeral !== undefined);
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
