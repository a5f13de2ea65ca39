// imagePullSecrets → ImageRegistryCredential.N (dockerconfigjson and dockercfg).
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
        ctx.issues.error(
          field,
          `Secret ${name} has type ${secret.type ?? 'Opaque'}; expected kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg`,
        );
        return;
      }
    } catch (err) {
      ctx.issues.error(field, `Secret ${name} is not valid docker config JSON: ${(err as Error).message}`);
      return;
    }
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
        ctx.issues.warn(`${field}: Secret ${name} has no username/password for ${key}; entry skipped`);
        continue;
      }
      const server = registryServer(key);
      if (out.some((c) => c.server === server)) continue;
      out.push({ server, userName: username, password });
    }
  });
  return out;
}
