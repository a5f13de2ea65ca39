// The start-up permission self-check: every API permission a program needs is asked of the API
// server at once (one SelfSubjectAccessReview each, in parallel, under one deadline), so a
// missing RBAC rule stops the program in seconds with a line naming the permission and the
// code that needs it, instead of a watch failing minutes later. A missing permission of an
// optional feature is a warning. The tables are in ./reconciler.ts and ./webhook.ts.
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

export interface Permission {
  verb: string;
  /** Plural resource, as RBAC names it (`pods`, `leases`). */
  resource: string;
  /** API group; '' (the default) is the core group. */
  group?: string;
  subresource?: string;
  /** Unset: cluster-wide (every namespace, or a cluster-scoped resource). */
  namespace?: string;
  /** Set when the code only ever touches this one object (RBAC `resourceNames`). */
  name?: string;
  /** Who needs it, for the operator: "the pod informer". */
  neededBy: string;
  /** An optional feature's permission: missing = a warning, not a failed start. */
  optional?: boolean;
}

export interface PermissionAnswer {
  permission: Permission;
  allowed: boolean;
}

/** Pure: "list pods (cluster-wide)", "patch leases virtual-node-eci-0 in kube-node-lease". */
export function describePermission(p: Permission): string {
  const resource =
    (p.group ? `${p.resource}.${p.group}` : p.resource) + (p.subresource ? `/${p.subresource}` : '');
  const object = p.name ? `${resource} ${p.name}` : resource;
  return `${p.verb} ${object} ${p.namespace ? `in ${p.namespace}` : '(cluster-wide)'}`;
}

/** Pure: one line per refused permission; `fatal` when a required one is refused. */
export function selfCheckReport(answers: readonly PermissionAnswer[]): {
  fatal: boolean;
  errors: string[];
  warnings: string[];
} {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const { permission: p, allowed } of answers) {
    if (allowed) continue;
    const line = `${describePermission(p)}, needed by ${p.neededBy}`;
    if (p.optional) warnings.push(`missing optional permission: ${line} (the feature will fail)`);
    else errors.push(`missing permission: ${line}`);
  }
  return { fatal: errors.length > 0, errors, warnings };
}

/** Asks the API server about every permission at once; rejects if the answers take over `timeoutMs`. */
export async function reviewPermissions(
  kc: KubeConfig,
  permissions: readonly Permission[],
  timeoutMs = 10_000,
): Promise<PermissionAnswer[]> {
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const ask = async (p: Permission): Promise<PermissionAnswer> => {
    const review = await authz.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb: p.verb,
            group: p.group ?? '',
            resource: p.resource,
            subresource: p.subresource,
            namespace: p.namespace,
            name: p.name,
          },
        },
      },
    });
    return { permission: p, allowed: review.status?.allowed === true };
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from the API server within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([Promise.all(permissions.map(ask)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The check as the programs run it at start: warnings and errors go to `write` (stderr), one
 * line each, prefixed with the program's name. Returns false when the program must exit. A
 * check that cannot run (API server unreachable) only warns: the program's own calls will
 * retry and say more.
 */
export async function selfCheck(
  program: string,
  kc: KubeConfig,
  permissions: readonly Permission[],
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  timeoutMs?: number,
): Promise<boolean> {
  let answers: PermissionAnswer[];
  try {
    answers = await reviewPermissions(kc, permissions, timeoutMs);
  } catch (err) {
    write(`${program}: permission self-check skipped: ${(err as Error).message}`);
    return true;
  }
  const report = selfCheckReport(answers);
  for (const line of [...report.warnings, ...report.errors]) write(`${program}: ${line}`);
  return !report.fatal;
}
