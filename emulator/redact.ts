// Pure: a stored CreateContainerGroup request with its secrets replaced, for the admin
// API. Env values may come from Secrets, config-file contents from Secrets or
// service-account tokens, registry credentials hold passwords and FlexVolume options
// may hold cloud keys; the admin API shows them only when asked (`?reveal=secrets`).

export const REDACTED = '[redacted]';

/** Leaf fields always redacted, by their parent and name. */
const SECRET_FIELDS: Record<string, readonly string[]> = {
  EnvironmentVar: ['Value'],
  ConfigFileToPath: ['Content'],
  ImageRegistryCredential: ['Password'],
  FlexVolume: ['Options'],
};

/** Any other string field whose name says it is a credential (ClientToken is the pod UID, not one). */
const SECRET_NAME = /password|secret|token|accesskey|credential|private.?key/i;
const NOT_SECRET = new Set(['ClientToken']);

function isSecret(parent: string, key: string): boolean {
  if (SECRET_FIELDS[parent]?.includes(key)) return true;
  return SECRET_NAME.test(key) && !NOT_SECRET.has(key);
}

function walk(value: unknown, parent: string): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, parent));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = typeof v === 'string' && isSecret(parent, key) ? REDACTED : walk(v, key);
  }
  return out;
}

/** A deep copy of `request` with every secret leaf replaced by `[redacted]`. */
export function redactRequest<T>(request: T): T {
  return walk(request, '') as T;
}
