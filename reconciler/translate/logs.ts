// Log collection through container env (examples/translate/README.md): aliyun_logs_<logstore>
// and its companions are validated, and, when the ECI Profile enables the log
// controller, its slsMachineGroup fills in a missing _machinegroup.
import type { V1Container } from '@kubernetes/client-node';
import type { Context } from './context.ts';
import type { EnvEntry } from './env.ts';

const PREFIX = 'aliyun_logs_';
const COMPANIONS = ['project', 'machinegroup', 'ttl', 'shard', 'tags'] as const;

function isCompanion(key: string, keys: Set<string>): boolean {
  return COMPANIONS.some((c) => key.endsWith(`_${c}`) && keys.has(key.slice(0, -(c.length + 1))));
}

/** Returns env entries to append to the container. */
export function logEnv(
  ctx: Context,
  c: V1Container,
  env: Array<{ key?: string; value?: string }>,
  path: string,
): EnvEntry[] {
  const keys = new Set(env.map((e) => e.key ?? ''));
  const extra: EnvEntry[] = [];
  // The machine group is the log controller's: injected only when the profile turns it on.
  const profile = ctx.input.profile;
  const group = profile?.enableLogController ? profile.slsMachineGroup : undefined;
  for (const { key = '', value: raw } of env) {
    const e = { key, value: raw };
    if (!e.key.startsWith(PREFIX) || e.key.length === PREFIX.length) continue;
    const field = `${path}.env[${e.key}]`;
    if (isCompanion(e.key, keys)) {
      if ((e.key.endsWith('_ttl') || e.key.endsWith('_shard')) && !/^\d+$/.test(e.value ?? ''))
        ctx.issues.error(field, `${e.key} must be a whole number, got "${e.value ?? ''}"`);
      continue;
    }
    const value = e.value ?? '';
    if (value !== 'stdout') {
      if (!value.startsWith('/')) {
        ctx.issues.error(field, `${e.key} must be "stdout" or an absolute file path, got "${value}"`);
        continue;
      }
      // Files are collected from a volume: ECI's collector cannot see the container's root filesystem.
      const dir = value.slice(0, value.lastIndexOf('/')) || '/';
      const emptyDirs = new Set((ctx.pod.spec?.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
      const covered = (c.volumeMounts ?? []).some(
        (m) =>
          emptyDirs.has(m.name) &&
          (dir === m.mountPath || dir.startsWith(`${m.mountPath.replace(/\/$/, '')}/`)),
      );
      if (!covered)
        ctx.issues.error(field, `${e.key}: ${dir} must be inside an emptyDir volume mount to be collected`);
    }
    if (group && !keys.has(`${e.key}_machinegroup`))
      extra.push({ key: `${e.key}_machinegroup`, value: group });
  }
  return extra;
}
