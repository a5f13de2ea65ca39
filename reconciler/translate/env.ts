// Container environment: env values, valueFrom, envFrom, $(VAR) expansion and the
// kubelet's service variables (service-env.ts), resolved here because ECI only resolves
// status.podIP at run time (FieldRef).
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import type { Context } from './context.ts';
import { ceilTo, parseQuantity } from './quantity.ts';

export interface EnvEntry {
  key: string;
  value?: string;
  fieldRef?: { fieldPath: string };
}

/** Pod-level totals used for resourceFieldRef when a container sets no limit (kubelet uses node allocatable). */
export interface PodTotals {
  cpu: number;
  memory: number;
}

/**
 * Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion): `$$` is a
 * literal `$`, an unknown `$(NAME)` is left as written.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      const value = name === '' ? undefined : lookup(name);
      out += value ?? input.slice(i, end + 1);
      i = end;
    } else {
      out += ch;
    }
  }
  return out;
}

function decodeBase64(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}

/** Pod fields a fieldRef may name that are known before the instance exists. */
function staticField(ctx: Context, fieldPath: string): string | undefined {
  const { pod } = ctx;
  const meta = pod.metadata ?? {};
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelOrAnnotation?.[1] && labelOrAnnotation[2] !== undefined) {
    const map = labelOrAnnotation[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[labelOrAnnotation[2]] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return ctx.podName;
    case 'metadata.namespace':
      return ctx.namespace;
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    default:
      return undefined;
  }
}

/** In ECI the host is the instance itself, so hostIP is the pod IP; both are resolved by ECI at run time. */
const RUNTIME_FIELDS = new Set(['status.podIP', 'status.podIPs', 'status.hostIP', 'status.hostIPs']);

function resolveFieldRef(
  ctx: Context,
  fieldPath: string,
  field: string,
): { value: string } | { fieldRef: string } | undefined {
  if (RUNTIME_FIELDS.has(fieldPath)) return { fieldRef: 'status.podIP' };
  const value = staticField(ctx, fieldPath);
  if (value !== undefined) return { value };
  ctx.issues.error(field, `fieldRef ${fieldPath} is not supported`);
  return undefined;
}

/** resourceFieldRef the way kubelet computes it: ceil(value / divisor). */
export function resolveResourceField(
  ctx: Context,
  ref: { containerName?: string; resource: string; divisor?: string | number },
  self: V1Container,
  totals: PodTotals,
  field: string,
): string | undefined {
  const containers = [...(ctx.pod.spec?.containers ?? []), ...(ctx.pod.spec?.initContainers ?? [])];
  const target = ref.containerName ? containers.find((c) => c.name === ref.containerName) : self;
  if (!target) {
    ctx.issues.error(field, `resourceFieldRef names unknown container "${ref.containerName}"`);
    return undefined;
  }
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(ref.resource);
  if (!m?.[1] || !m[2]) {
    ctx.issues.error(field, `resourceFieldRef resource ${ref.resource} is not supported`);
    return undefined;
  }
  const kind = m[1];
  const resource = m[2];
  const r = target.resources ?? {};
  let raw = parseQuantity(kind === 'limits' ? r.limits?.[resource] : r.requests?.[resource]);
  if (raw === undefined && kind === 'requests') raw = parseQuantity(r.limits?.[resource]);
  if (raw === undefined) {
    // An unset limit reads as the capacity the container can use: the whole instance.
    if (resource === 'cpu') raw = kind === 'limits' ? totals.cpu : 0;
    else if (resource === 'memory') raw = kind === 'limits' ? totals.memory * 2 ** 30 : 0;
    else raw = kind === 'limits' ? 30 * 2 ** 30 : 0;
  }
  // A zero divisor means 1: the API server stores an unset divisor as "0", and the kubelet
  // reads zero as the default (ExtractContainerResourceValue in pkg/api/v1/resource).
  const parsed = parseQuantity(ref.divisor ?? '1');
  const divisor = parsed === 0 ? 1 : parsed;
  if (divisor === undefined || divisor < 0) {
    ctx.issues.error(field, `resourceFieldRef divisor ${String(ref.divisor)} is not a positive quantity`);
    return undefined;
  }
  return String(Math.ceil(ceilTo(raw / divisor, 9)));
}

export function containerEnv(
  ctx: Context,
  container: V1Container,
  path: string,
  totals: PodTotals,
): EnvEntry[] {
  const { input, issues } = ctx;
  const env = new Map<string, EnvEntry>();
  const set = (e: EnvEntry) => {
    env.set(e.key, e);
  };

  (container.envFrom ?? []).forEach((source, i) => {
    const field = `${path}.envFrom[${i}]`;
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const { name = '', optional } = source.configMapRef;
      const cm = input.configMaps?.[name];
      if (!cm) {
        const ref = { kind: 'ConfigMap', name } as const;
        if (optional) issues.optionalMissing(`${field}.configMapRef`, ref);
        else issues.missing(`${field}.configMapRef`, `ConfigMap ${name} not found`, ref);
        return;
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) addFrom(k, v);
    } else if (source.secretRef) {
      const { name = '', optional } = source.secretRef;
      const secret = input.secrets?.[name];
      if (!secret) {
        const ref = { kind: 'Secret', name } as const;
        if (optional) issues.optionalMissing(`${field}.secretRef`, ref);
        else issues.missing(`${field}.secretRef`, `Secret ${name} not found`, ref);
        return;
      }
      for (const [k, v] of Object.entries(secret.data ?? {})) addFrom(k, decodeBase64(v));
      for (const [k, v] of Object.entries(secret.stringData ?? {})) addFrom(k, v);
    }
    function addFrom(key: string, value: string) {
      const name = prefix + key;
      // kubelet skips keys that cannot be variable names.
      if (name === '' || name.includes('=')) {
        issues.warn(`${field}: key "${key}" is not a valid environment variable name and was skipped`);
        return;
      }
      set({ key: name, value });
    }
  });

  // $(VAR) sees the container's own variables first, then the service environment (kubelet's MappingFuncFor).
  const lookup = (name: string) => (env.has(name) ? env.get(name)?.value : ctx.serviceEnv.get(name));
  (container.env ?? []).forEach((e: V1EnvVar, i) => {
    const field = `${path}.env[${i}]`;
    const from = e.valueFrom;
    if (!from) {
      set({ key: e.name, value: expandVars(e.value ?? '', lookup) });
      return;
    }
    if (from.fieldRef) {
      const r = resolveFieldRef(ctx, from.fieldRef.fieldPath, `${field}.valueFrom.fieldRef`);
      if (r && 'value' in r) set({ key: e.name, value: r.value });
      else if (r) set({ key: e.name, fieldRef: { fieldPath: r.fieldRef } });
    } else if (from.resourceFieldRef) {
      const v = resolveResourceField(
        ctx,
        from.resourceFieldRef,
        container,
        totals,
        `${field}.valueFrom.resourceFieldRef`,
      );
      if (v !== undefined) set({ key: e.name, value: v });
    } else if (from.configMapKeyRef) {
      const { name = '', key, optional } = from.configMapKeyRef;
      const cm = input.configMaps?.[name];
      const value = cm?.data?.[key];
      if (value !== undefined) set({ key: e.name, value });
      else {
        const f = `${field}.valueFrom.configMapKeyRef`;
        const ref = cm ? ({ kind: 'ConfigMap', name, key } as const) : ({ kind: 'ConfigMap', name } as const);
        if (optional) issues.optionalMissing(f, ref);
        else
          issues.missing(
            f,
            cm ? `key ${key} not found in ConfigMap ${name}` : `ConfigMap ${name} not found`,
            ref,
          );
      }
    } else if (from.secretKeyRef) {
      const { name = '', key, optional } = from.secretKeyRef;
      const secret = input.secrets?.[name];
      const raw = secret?.data?.[key];
      const value = raw !== undefined ? decodeBase64(raw) : secret?.stringData?.[key];
      if (value !== undefined) set({ key: e.name, value });
      else {
        const f = `${field}.valueFrom.secretKeyRef`;
        const ref = secret ? ({ kind: 'Secret', name, key } as const) : ({ kind: 'Secret', name } as const);
        if (optional) issues.optionalMissing(f, ref);
        else
          issues.missing(
            f,
            secret ? `key ${key} not found in Secret ${name}` : `Secret ${name} not found`,
            ref,
          );
      }
    } else {
      issues.error(`${field}.valueFrom`, 'this valueFrom source is not supported');
    }
  });
  // The service variables come after the container's own, which win on a clash (makeEnvironmentVariables).
  const out = [...env.values()];
  for (const [key, value] of ctx.serviceEnv) if (!env.has(key)) out.push({ key, value });
  return out;
}
