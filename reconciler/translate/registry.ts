// imagePullSecrets → ImageRegistryCredential.N (dockerconfigjson and dockercfg).
import type { V1Secret } from '@kubernetes/client-node';
import type { EciRequestFields } from './request.ts';
import type { Context } from './context.ts';

type Credential = NonNullable<EciRequestFields['imageRegistryCredential']>[number];

interface DockerAuth {
  username?: string;
  password?: string;
  auth?: string;
}

/** "https://index.docker.io/v1/" → "index.docker.io": ECI wants the registry host. */
export function registryServer(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/**
 * The registry credentials of one dockerconfigjson/dockercfg Secret, or why it has none. Also
 * used by the ImageCache controller (reconciler/imagecache/credentials.ts) for its
 * `imagePullSecrets`, so both read Secrets the same way.
 */
export function secretRegistryCredentials(
  secret: V1Secret,
  name: string,
): { credentials: Credential[]; skipped: string[] } | { error: string } {
  let auths: Record<string, DockerAuth> | undefined;
  try {
    if (secret.type === 'kubernetes.io/dockerconfigjson') {
      const raw = secret.data?.['.dockerconfigjson'];
      const parsed = raw
        ? (JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { auths?: unknown })
        : {};
      auths = (parsed.auths ?? {}) as Record<string, DockerAuth>;
    } else if (secret.type === 'kubernetes.io/dockercfg') {
      const raw = secret.data?.['.dockercfg'];
      auths = raw
        ? (JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as Record<string, DockerAuth>)
        : {};
    } else {
      return {
        error: `Secret ${name} has type ${secret.type ?? 'Opaque'}; expected kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg`,
      };
    }
  } catch (err) {
    return { error: `Secret ${name} is not valid docker config JSON: ${(err as Error).message}` };
  }
  const credentials: Credential[] = [];
  const skipped: string[] = [];
  for (const [key, a] of Object.entries(auths)) {
    let { username, password } = a;
    if ((!username || password === undefined) && a.auth) {
      const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    if (!username || password === undefined) {
      skipped.push(key);
      continue;
    }
    credentials.push({ server: registryServer(key), userName: username, password });
  }
  return { credentials, skipped };
}

export function registryCredentials(ctx: Context): Credential[] {
  const out: Credential[] = [];
  (ctx.pod.spec?.imagePullSecrets ?? []).forEach((ref, i) => {
    const field = `spec.imagePullSecrets[${i}]`;
    const name = ref.name ?? '';
    const secret = ctx.input.secrets?.[name];
    if (!secret) {
      // kubelet pulls anyway; public images still work.
      ctx.issues.warn(`${field}: Secret ${name} not found; private images will fail to pull`);
      return;
    }
    const result = secretRegistryCredentials(secret, name);
    if ('error' in result) {
      ctx.issues.error(field, result.error);
      return;
    }
    for (const key of result.skipped) {
      ctx.issues.warn(`${field}: Secret ${name} has no username/password for ${key}; entry skipped`);
    }
    for (const c of result.credentials) {
      if (!out.some((x) => x.server === c.server)) out.push(c);
    }
  });
  return out;
}
