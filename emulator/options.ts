// Emulator configuration: defaults next to the option, zod-validated so a bad
// flag or config file names the field that is wrong.
import { z } from 'zod';

export interface VSwitchConfig {
  vSwitchId: string;
  zoneId: string;
  vpcId: string;
  /** IPv4 /16../24 CIDR the simulated ENIs take their IntranetIp from. */
  cidr: string;
}

export interface TimingOptions {
  /** Scheduling → Pending. */
  schedulingMs: number;
  /** Pending (image pulls) → Running. */
  pendingMs: number;
  /** Terminating → gone after DeleteContainerGroup. */
  terminatingMs: number;
  /** Restarting → Pending after RestartContainerGroup. */
  restartingMs: number;
  /** Updating → Pending after UpdateContainerGroup. */
  updatingMs: number;
  /** First container restart back-off; doubles per restart up to restartBackoffMaxMs. */
  restartBackoffMs: number;
  restartBackoffMaxMs: number;
  /** Terminal groups (Succeeded/Failed/Expired/ScheduleFailed) are purged after this. */
  terminalRetentionMs: number;
  /** Image cache Creating → Ready. */
  imageCacheMs: number;
  /** Multiplier for `sleep <s>` in simulated scripts (1 = real seconds). */
  sleepScale: number;
}

export interface EmulatorOptions {
  host: string;
  port: number;
  accessKeyId: string;
  accessKeySecret: string;
  regionId: string;
  zones: string[];
  vSwitches: VSwitchConfig[];
  securityGroups: { securityGroupId: string; vpcId: string }[];
  timing: TimingOptions;
  /** Serve HTTPS with this certificate (clients then need Config.ca, or NODE_EXTRA_CA_CERTS). */
  tls?: { certPem: string; keyPem: string };
  /** JSON file that keeps state across restarts (written atomically). */
  stateFile?: string;
  /** Per-action token buckets with the published ECI limits. */
  quotas: boolean;
  /** Per-action bucket overrides, merged over the published limits (e.g. a small Create bucket in tests). */
  quotaLimits: Record<string, { burst: number; refillPerSec: number }>;
  /** Allowed clock skew for x-acs-date / Timestamp. */
  clockSkewMs: number;
  /** Log level for the emulator's pino logger ('silent' in tests). */
  logLevel: string;
  /**
   * How containers run: `simulation` (the scripted convention, emulator/README.md), `process`
   * (real processes in Linux namespaces; needs root), or `auto` (process where the start-up probe
   * finds root and namespaces, else simulation).
   */
  containers: ContainersMode;
}

export const CONTAINERS_MODES = ['simulation', 'process', 'auto'] as const;
export type ContainersMode = (typeof CONTAINERS_MODES)[number];

/** What callers pass: any option, and any subset of the timing. */
export type EmulatorInput = Partial<Omit<EmulatorOptions, 'timing'>> & {
  timing?: Partial<TimingOptions>;
  /** Injectable clock (tests freeze it to make quota arithmetic exact). */
  now?: () => number;
};

export const DEFAULT_TIMING: TimingOptions = {
  schedulingMs: 1000,
  pendingMs: 2000,
  terminatingMs: 1000,
  restartingMs: 1000,
  updatingMs: 1000,
  restartBackoffMs: 10_000,
  restartBackoffMaxMs: 300_000,
  terminalRetentionMs: 3_600_000,
  imageCacheMs: 3000,
  sleepScale: 1,
};

export const EMULATOR_DEFAULTS: EmulatorOptions = {
  host: '127.0.0.1',
  port: 0,
  accessKeyId: 'emulator-access-key-id',
  accessKeySecret: 'emulator-access-key-secret',
  regionId: 'cn-hangzhou',
  zones: ['cn-hangzhou-h', 'cn-hangzhou-i'],
  vSwitches: [
    { vSwitchId: 'vsw-emu-h', zoneId: 'cn-hangzhou-h', vpcId: 'vpc-emu', cidr: '172.16.0.0/20' },
    { vSwitchId: 'vsw-emu-i', zoneId: 'cn-hangzhou-i', vpcId: 'vpc-emu', cidr: '172.16.16.0/20' },
  ],
  securityGroups: [{ securityGroupId: 'sg-emu', vpcId: 'vpc-emu' }],
  timing: DEFAULT_TIMING,
  quotas: true,
  quotaLimits: {},
  clockSkewMs: 15 * 60 * 1000,
  logLevel: 'info',
  containers: 'simulation',
};

const nonNegative = z.number().int().nonnegative();

/** 127.0.0.0/8, ::1 or localhost: only this machine can connect. */
function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h)
  );
}

export const timingSchema = z.object({
  schedulingMs: nonNegative,
  pendingMs: nonNegative,
  terminatingMs: nonNegative,
  restartingMs: nonNegative,
  updatingMs: nonNegative,
  restartBackoffMs: z.number().int().positive(),
  restartBackoffMaxMs: z.number().int().positive(),
  terminalRetentionMs: nonNegative,
  imageCacheMs: nonNegative,
  sleepScale: z.number().nonnegative(),
});

const cidr = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|2[0-8])$/, 'must be an IPv4 CIDR between /16 and /28');

export const optionsSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    accessKeyId: z.string().min(1),
    accessKeySecret: z.string().min(1),
    regionId: z.string().min(1),
    zones: z.array(z.string().min(1)).min(1),
    vSwitches: z
      .array(
        z.object({
          vSwitchId: z.string().min(1),
          zoneId: z.string().min(1),
          vpcId: z.string().min(1),
          cidr,
        }),
      )
      .min(1),
    securityGroups: z
      .array(z.object({ securityGroupId: z.string().min(1), vpcId: z.string().min(1) }))
      .min(1),
    timing: timingSchema,
    stateFile: z.string().min(1).optional(),
    tls: z
      .object({
        certPem: z.string().includes('BEGIN CERTIFICATE', { message: 'must be a PEM certificate' }),
        keyPem: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }),
      })
      .optional(),
    quotas: z.boolean(),
    quotaLimits: z.record(
      z.string().min(1),
      z.object({ burst: z.number().int().positive(), refillPerSec: z.number().nonnegative() }),
    ),
    clockSkewMs: nonNegative,
    logLevel: z.string(),
    containers: z.enum(CONTAINERS_MODES, { message: 'must be simulation, process or auto' }),
  })
  .superRefine((o, ctx) => {
    if (!isLoopbackHost(o.host) && o.accessKeySecret === EMULATOR_DEFAULTS.accessKeySecret) {
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message:
          `--listen ${o.host} is not a loopback address, and the well-known default credentials ` +
          'would let anyone who reaches it sign calls: set --access-key-id and --access-key-secret ' +
          '(or ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET), or listen on 127.0.0.1',
      });
    }
    o.vSwitches.forEach((v, i) => {
      if (!o.zones.includes(v.zoneId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['vSwitches', i, 'zoneId'],
          message: `zone ${v.zoneId} is not one of zones`,
        });
      }
    });
  });

/** Merges input over the defaults and validates the result. */
export function resolveOptions(input: EmulatorInput = {}): EmulatorOptions {
  const { now: _now, ...rest } = input;
  const merged = {
    ...EMULATOR_DEFAULTS,
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    timing: { ...DEFAULT_TIMING, ...(input.timing ?? {}) },
  };
  const parsed = optionsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid emulator option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
  }
  return parsed.data as EmulatorOptions;
}
