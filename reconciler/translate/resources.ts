// Container resources → Container.Cpu/Memory/Gpu, and the pod's total → the
// ECI spec it will be billed at (docs/eci-api.md, Specs and rounding).
import type { V1Container } from '@kubernetes/client-node';
import { DEFAULT_ECI_SPEC, MAX_ECI_SPEC, roundUpSpec, type EciSpec } from '../../shared/eci-specs.ts';
import type { Context } from './context.ts';
import { ceilTo, GIB, parseQuantity } from './quantity.ts';

export const GPU_RESOURCE = 'nvidia.com/gpu';
/** Env that leaves a container out of ECI's spec sum. */
export const RESOURCE_IGNORE_ENV = '__ECI_RESOURCE_IGNORE__';

export interface ContainerResources {
  /** vCPU, limit else request */
  cpu?: number;
  /** GiB, limit else request */
  memory?: number;
  gpu?: number;
  /** GiB of ephemeral storage, limit else request */
  ephemeralStorage?: number;
}

/** Every ECI instance comes with this much ephemeral storage; more is bought with EphemeralStorage. */
const BASE_EPHEMERAL_STORAGE_GIB = 30;

const KNOWN = new Set(['cpu', 'memory', 'ephemeral-storage', GPU_RESOURCE]);

export function containerResources(ctx: Context, c: V1Container, path: string): ContainerResources {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const read = (name: string): number | undefined => {
    for (const [kind, map] of [
      ['limits', limits],
      ['requests', requests],
    ] as const) {
      const raw = map[name];
      if (raw === undefined) continue;
      const v = parseQuantity(raw);
      if (v === undefined || v < 0) {
        ctx.issues.error(`${path}.resources.${kind}.${name}`, `"${raw}" is not a valid quantity`);
        return undefined;
      }
      return v;
    }
    return undefined;
  };
  const out: ContainerResources = {};
  const cpu = read('cpu');
  if (cpu !== undefined) out.cpu = ceilTo(cpu, 3);
  const memory = read('memory');
  if (memory !== undefined) out.memory = ceilTo(memory / GIB, 3);
  const storage = read('ephemeral-storage');
  if (storage !== undefined) out.ephemeralStorage = storage / GIB;
  const gpu = read(GPU_RESOURCE);
  if (gpu !== undefined) {
    if (!Number.isInteger(gpu))
      ctx.issues.error(`${path}.resources.limits.${GPU_RESOURCE}`, 'must be a whole number');
    else if (gpu > 0) out.gpu = gpu;
  }
  for (const name of new Set([...Object.keys(limits), ...Object.keys(requests)])) {
    if (!KNOWN.has(name) && !name.startsWith('hugepages-'))
      ctx.issues.warn(`${path}.resources: extended resource ${name} has no ECI equivalent and is ignored`);
    if (name.startsWith('hugepages-'))
      ctx.issues.error(`${path}.resources.limits.${name}`, 'hugepages are not available on ECI');
  }
  return out;
}

export interface SizedContainer {
  resources: ContainerResources;
  /** true for containers with __ECI_RESOURCE_IGNORE__=TRUE */
  ignored: boolean;
}

/**
 * The pod's spec: the larger of the app containers' sum and the largest init
 * container, per resource (the Kubernetes rule), rounded up to an ECI spec;
 * 2 vCPU / 4 GiB when nothing asks for anything; undefined when no spec is large enough.
 */
export function podSpec(
  app: SizedContainer[],
  init: SizedContainer[],
  podLevel: ContainerResources | undefined,
): { spec: EciSpec | undefined; requested: ContainerResources } {
  const counted = app.filter((c) => !c.ignored);
  const sum = (k: 'cpu' | 'memory') =>
    counted.reduce<number | undefined>((acc, c) => {
      const v = c.resources[k];
      return v === undefined ? acc : (acc ?? 0) + v;
    }, undefined);
  const max = (k: 'cpu' | 'memory') =>
    init
      .filter((c) => !c.ignored)
      .reduce<number | undefined>((acc, c) => {
        const v = c.resources[k];
        return v === undefined ? acc : Math.max(acc ?? 0, v);
      }, undefined);
  const total = (k: 'cpu' | 'memory') => {
    if (podLevel?.[k] !== undefined) return podLevel[k];
    const a = sum(k);
    const b = max(k);
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.max(a, b);
  };
  const cpu = total('cpu');
  const memory = total('memory');
  const requested: ContainerResources = {};
  if (cpu !== undefined) requested.cpu = ceilTo(cpu, 3);
  if (memory !== undefined) requested.memory = ceilTo(memory, 3);
  if (cpu === undefined && memory === undefined) return { spec: { ...DEFAULT_ECI_SPEC }, requested };
  return { spec: roundUpSpec(cpu ?? 0, memory ?? 0), requested };
}

export function oversizeMessage(requested: ContainerResources): string {
  return (
    `the pod needs ${requested.cpu ?? 0} vCPU / ${requested.memory ?? 0} GiB, more than the largest ECI spec ` +
    `(${MAX_ECI_SPEC.cpu} vCPU / ${MAX_ECI_SPEC.memory} GiB); name an instance type in k8s.aliyun.com/eci-use-specs`
  );
}

/**
 * Extra ephemeral storage (GiB, whole) the pod needs beyond the instance's base:
 * the app containers' sum or the largest init container, whichever is larger.
 */
export function extraEphemeralStorage(app: SizedContainer[], init: SizedContainer[]): number | undefined {
  const sum = app.reduce((n, c) => n + (c.resources.ephemeralStorage ?? 0), 0);
  const max = init.reduce((n, c) => Math.max(n, c.resources.ephemeralStorage ?? 0), 0);
  const extra = Math.ceil(ceilTo(Math.max(sum, max) - BASE_EPHEMERAL_STORAGE_GIB, 6));
  return extra > 0 ? extra : undefined;
}
