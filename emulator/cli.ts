// Pure: CLI flags (+ environment + optional JSON config) → emulator options.
// Flags win over the config file, which wins over the defaults.
import { z } from 'zod';
import type { EmulatorInput, VSwitchConfig } from './options.ts';

export const flagsSchema = z
  .object({
    listen: z
      .string()
      .regex(/^[^:]+:\d{1,5}$/, '--listen must be HOST:PORT, e.g. 127.0.0.1:0')
      .default('127.0.0.1:0'),
    'access-key-id': z.string().min(1, '--access-key-id must not be empty').optional(),
    'access-key-secret': z.string().min(1, '--access-key-secret must not be empty').optional(),
    region: z
      .string()
      .regex(/^[a-z]+(-[a-z0-9]+)+$/, '--region must look like cn-hangzhou')
      .optional(),
    zones: z.string().min(1, '--zones must not be empty').optional(),
    vswitch: z
      .array(
        z
          .string()
          .regex(
            /^[^=]+=[^=:]+(:\d{1,3}(\.\d{1,3}){3}\/\d{1,2})?$/,
            '--vswitch must be ID=ZONE or ID=ZONE:CIDR',
          ),
      )
      .optional(),
    'security-group': z.array(z.string().min(1)).optional(),
    vpc: z.string().min(1).optional(),
    config: z.string().min(1).optional(),
    'state-file': z.string().min(1).optional(),
    'tls-cert': z.string().min(1).optional(),
    'tls-key': z.string().min(1).optional(),
    'no-quotas': z.boolean().optional(),
    'log-level': z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        message: '--log-level must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .optional(),
    containers: z
      .enum(['simulation', 'process', 'auto'], {
        message: '--containers must be simulation, process or auto',
      })
      .optional(),
  })
  .refine((f) => (f['tls-cert'] === undefined) === (f['tls-key'] === undefined), {
    message: '--tls-cert and --tls-key go together',
    path: ['tls-cert'],
  });

export type Flags = z.output<typeof flagsSchema>;

export const PARSE_ARGS_OPTIONS = {
  listen: { type: 'string' },
  'access-key-id': { type: 'string' },
  'access-key-secret': { type: 'string' },
  region: { type: 'string' },
  zones: { type: 'string' },
  vswitch: { type: 'string', multiple: true },
  'security-group': { type: 'string', multiple: true },
  vpc: { type: 'string' },
  config: { type: 'string' },
  'state-file': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'no-quotas': { type: 'boolean' },
  'log-level': { type: 'string' },
  containers: { type: 'string' },
} as const;

export function parseFlags(values: unknown): Flags {
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? '');
    const msg = issue?.message ?? 'invalid';
    throw new Error(msg.startsWith('--') ? msg : `invalid flag --${name}: ${msg}`);
  }
  return parsed.data;
}

/** The emulator options for these flags, environment and config file contents. */
export function toEmulatorInput(
  f: Flags,
  env: Record<string, string | undefined>,
  fromFile: EmulatorInput = {},
  readFile: (path: string) => string = () => {
    throw new Error('no file reader');
  },
): EmulatorInput {
  const [host, port] = f.listen.split(':') as [string, string];
  const region = f.region ?? fromFile.regionId;
  const vpc = f.vpc ?? 'vpc-emu';
  let zones = f.zones?.split(',').map((z) => z.trim()) ?? fromFile.zones;
  let vSwitches: VSwitchConfig[] | undefined =
    f.vswitch?.map((spec, i) => {
      const [id, rest] = spec.split('=') as [string, string];
      const [zoneId, cidr] = rest.split(':') as [string, string | undefined];
      return { vSwitchId: id, zoneId, vpcId: vpc, cidr: cidr ?? `172.16.${16 * (i % 16)}.0/20` };
    }) ?? fromFile.vSwitches;
  if (vSwitches && !zones) zones = [...new Set(vSwitches.map((v) => v.zoneId))];
  // Another region without zones: the same two-zone layout under that region's name.
  if (region && !zones) zones = [`${region}-h`, `${region}-i`];
  if (zones && !vSwitches) {
    vSwitches = zones.map((zoneId, i) => ({
      vSwitchId: `vsw-emu-${zoneId.split('-').pop() ?? i}`,
      zoneId,
      vpcId: vpc,
      cidr: `172.16.${16 * (i % 16)}.0/20`,
    }));
  }
  const securityGroups =
    f['security-group']?.map((securityGroupId) => ({ securityGroupId, vpcId: vpc })) ??
    fromFile.securityGroups ??
    (f.vpc ? [{ securityGroupId: 'sg-emu', vpcId: vpc }] : undefined);
  return {
    ...fromFile,
    host,
    port: Number(port),
    accessKeyId: f['access-key-id'] ?? env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? fromFile.accessKeyId,
    accessKeySecret:
      f['access-key-secret'] ?? env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? fromFile.accessKeySecret,
    regionId: region,
    zones,
    vSwitches,
    securityGroups,
    stateFile: f['state-file'] ?? fromFile.stateFile,
    tls:
      f['tls-cert'] && f['tls-key']
        ? { certPem: readFile(f['tls-cert']), keyPem: readFile(f['tls-key']) }
        : fromFile.tls,
    quotas: f['no-quotas'] ? false : fromFile.quotas,
    logLevel: f['log-level'] ?? fromFile.logLevel ?? 'warn',
    containers: f.containers ?? fromFile.containers,
  };
}
