// The permissions table of deploy/README.md and the rules of deploy/'s RBAC files, as rows
// that can be compared with each other and, expanded to single (group, resource, name, verb)
// grants, with what a SelfSubjectRulesReview returns.
import { readFileSync } from 'node:fs';
import { nodeNamesOf, parseReconcilerConfig } from '../../../reconciler/config.ts';
import { loadManifests, type Manifest } from './load.ts';

export interface PermissionRow {
  account: string;
  scope: string;
  group: string;
  resources: string;
  names: string;
  verbs: string;
}

/** The names the README writes as "the virtual nodes": the reconciler's default nodes. */
const defaults = parseReconcilerConfig([], {});
if (!defaults.ok) throw new Error(defaults.error);
export const DEFAULT_VIRTUAL_NODES = nodeNamesOf(defaults.config);
const VIRTUAL_NODES = 'the virtual nodes';

/** Files whose roles the table covers; the PrivateZone file's account is marked "(pvtz)". */
const RBAC_FILES = [
  { file: 'webhook/rbac.yaml', suffix: '' },
  { file: 'reconciler/rbac.yaml', suffix: '' },
  { file: 'reconciler/rbac-privatezone.yaml', suffix: ' (pvtz)' },
];

/** Built-in ClusterRoles deploy/ binds, with their rules (Kubernetes' bootstrap policy). */
const BUILT_IN_ROLES: Record<string, Manifest> = {
  'system:auth-delegator': {
    rules: [
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ],
  },
};

/** Every row of the README's "Permissions" table, with the code it cites. */
export function readmeRows(): (PermissionRow & { neededBy: string })[] {
  const text = readFileSync(new URL('../../../deploy/README.md', import.meta.url), 'utf8');
  const section = text.split(/^## Permissions$/m)[1]!.split(/^## /m)[0]!;
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !/^\| (account|-)/.test(l))
    .map((l) => {
      const [account, scope, group, resources, names, verbs, neededBy] = l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      return {
        account: account!,
        scope: scope!,
        group: group!,
        resources: resources!,
        names: names!,
        verbs: verbs!,
        neededBy: neededBy!,
      };
    });
}

/** One row per rule of each role bound to a service account in deploy/'s RBAC files. */
export function manifestRows(): PermissionRow[] {
  const rows: PermissionRow[] = [];
  for (const { file, suffix } of RBAC_FILES) {
    const objects = loadManifests(file);
    for (const binding of objects.filter(
      (o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding',
    )) {
      const role =
        objects.find((o) => o.kind === binding.roleRef.kind && o.metadata.name === binding.roleRef.name) ??
        BUILT_IN_ROLES[binding.roleRef.name];
      if (!role)
        throw new Error(`${file}: ${binding.metadata.name} binds ${binding.roleRef.name}, not in the file`);
      for (const subject of binding.subjects as Manifest[]) {
        for (const rule of role.rules as Manifest[]) {
          const names = (rule.resourceNames as string[] | undefined) ?? [];
          rows.push({
            account: `${subject.name}${suffix}`,
            scope: binding.kind === 'ClusterRoleBinding' ? 'cluster' : binding.metadata.namespace,
            group: (rule.apiGroups as string[]).map((g) => g || 'core').join(', '),
            resources: (rule.resources as string[]).join(', '),
            names:
              names.length === 0
                ? 'any'
                : JSON.stringify(names) === JSON.stringify(DEFAULT_VIRTUAL_NODES)
                  ? VIRTUAL_NODES
                  : names.join(', '),
            verbs: (rule.verbs as string[]).join(', '),
          });
        }
      }
    }
  }
  return rows;
}

/** Single grants "group|resource|name|verb" ('*' = any name) of rows, with the virtual nodes' names. */
export function grantsOf(rows: PermissionRow[], virtualNodes = DEFAULT_VIRTUAL_NODES): Set<string> {
  const out = new Set<string>();
  for (const r of rows) {
    const names = r.names === 'any' ? ['*'] : r.names === VIRTUAL_NODES ? virtualNodes : r.names.split(', ');
    for (const group of r.group.split(', '))
      for (const resource of r.resources.split(', '))
        for (const name of names)
          for (const verb of r.verbs.split(', '))
            out.add(`${group === 'core' ? '' : group}|${resource}|${name}|${verb}`);
  }
  return out;
}
