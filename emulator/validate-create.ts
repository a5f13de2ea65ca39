// CreateContainerGroup parameters: the shape (zod, wire names) and the rules the
// real API enforces beyond the shape (name format, counts, volume references).
import { z } from 'zod';
import { bool, int, list, num, str, tagList } from './wire.ts';
import { Errors } from './errors.ts';
import { sysctlRefusal } from './process/sysctls.ts';

const probe = z.object({
  Exec: z.object({ Command: list(str).optional() }).optional(),
  FailureThreshold: int.optional(),
  HttpGet: z.object({ Path: str.optional(), Port: int.optional(), Scheme: str.optional() }).optional(),
  InitialDelaySeconds: int.optional(),
  PeriodSeconds: int.optional(),
  SuccessThreshold: int.optional(),
  TcpSocket: z.object({ Port: int.optional() }).optional(),
  TimeoutSeconds: int.optional(),
});

const securityContext = z.object({
  Capability: z.object({ Add: list(str).optional() }).optional(),
  ReadOnlyRootFilesystem: bool.optional(),
  RunAsUser: int.optional(),
});

const env = z.object({
  Key: z.string().min(1),
  Value: str.optional(),
  FieldRef: z.object({ FieldPath: str.optional() }).optional(),
});

const port = z.object({
  Port: int.refine((p) => p >= 1 && p <= 65535, 'must be between 1 and 65535'),
  Protocol: z.enum(['TCP', 'UDP', 'SCTP'], { message: 'must be TCP, UDP or SCTP' }).optional(),
});

const mount = z.object({
  Name: z.string().min(1),
  MountPath: z.string().min(1),
  ReadOnly: bool.optional(),
  SubPath: str.optional(),
  MountPropagation: str.optional(),
});

const pullPolicy = z.enum(['Always', 'IfNotPresent', 'Never'], {
  message: 'must be Always, IfNotPresent or Never',
});

const containerBase = {
  Name: z.string().min(1),
  Image: z.string().min(1),
  Cpu: num.optional(),
  Memory: num.optional(),
  Gpu: int.optional(),
  WorkingDir: str.optional(),
  ImagePullPolicy: pullPolicy.optional(),
  Command: list(str).optional(),
  Arg: list(str).optional(),
  Port: list(port).optional(),
  EnvironmentVar: list(env).optional(),
  VolumeMount: list(mount).optional(),
  SecurityContext: securityContext.optional(),
  Stdin: bool.optional(),
  StdinOnce: bool.optional(),
  Tty: bool.optional(),
  TerminationMessagePath: str.optional(),
  TerminationMessagePolicy: str.optional(),
};

const container = z
  .object({
    ...containerBase,
    ReadinessProbe: probe.optional(),
    LivenessProbe: probe.optional(),
    EnvironmentVarHide: bool.optional(),
    SecurityContextRunAsGroup: int.optional(),
    SecurityContextRunAsNonRoot: bool.optional(),
    SecurityContextPrivileged: bool.optional(),
  })
  .catchall(z.unknown());

const initContainer = z.object(containerBase).catchall(z.unknown());

export const VOLUME_TYPES = [
  'EmptyDirVolume',
  'NFSVolume',
  'ConfigFileVolume',
  'DiskVolume',
  'FlexVolume',
] as const;

const volume = z
  .object({
    Name: z.string().min(1),
    Type: z.enum(VOLUME_TYPES, { message: `must be one of ${VOLUME_TYPES.join(', ')}` }),
    EmptyDirVolume: z.object({ Medium: str.optional(), SizeLimit: str.optional() }).optional(),
    NFSVolume: z
      .object({ Server: str.optional(), Path: str.optional(), ReadOnly: bool.optional() })
      .optional(),
    ConfigFileVolume: z
      .object({
        ConfigFileToPath: list(
          z.object({ Path: str, Content: str.optional(), Mode: int.optional() }),
        ).optional(),
        DefaultMode: int.optional(),
      })
      .optional(),
    DiskVolume: z
      .object({ DiskId: str.optional(), DiskSize: int.optional(), FsType: str.optional() })
      .optional(),
    FlexVolume: z
      .object({ Driver: str.optional(), FsType: str.optional(), Options: str.optional() })
      .optional(),
  })
  .catchall(z.unknown());

export const createContainerGroupSchema = z
  .object({
    RegionId: str.optional(),
    ZoneId: str.optional(),
    SecurityGroupId: z.string().min(1),
    VSwitchId: z.string().min(1),
    ContainerGroupName: z.string(),
    RestartPolicy: z
      .enum(['Always', 'OnFailure', 'Never'], { message: 'must be Always, OnFailure or Never' })
      .optional(),
    Cpu: num.optional(),
    Memory: num.optional(),
    InstanceType: str.optional(),
    SpotStrategy: z
      .enum(['NoSpot', 'SpotWithPriceLimit', 'SpotAsPriceGo'], {
        message: 'must be NoSpot, SpotWithPriceLimit or SpotAsPriceGo',
      })
      .optional(),
    SpotPriceLimit: num.optional(),
    ClientToken: z
      .string()
      .max(64, 'must be at most 64 characters')
      .regex(/^[\x20-\x7e]*$/, 'must be ASCII')
      .optional(),
    Tag: tagList.optional(),
    Container: list(container).min(1, 'at least one container is required'),
    InitContainer: list(initContainer).optional(),
    Volume: list(volume).max(20, 'at most 20 volumes').optional(),
    ImageRegistryCredential: list(
      z.object({ Server: str.optional(), UserName: str.optional(), Password: str.optional() }),
    ).optional(),
    DnsPolicy: str.optional(),
    DnsConfig: z
      .object({
        NameServer: list(str).optional(),
        Search: list(str).optional(),
        Option: list(z.object({ Name: str.optional(), Value: str.optional() })).optional(),
      })
      .optional(),
    HostAliase: list(z.object({ Ip: str.optional(), Hostname: list(str).optional() })).optional(),
    SecurityContext: z
      .object({ Sysctl: list(z.object({ Name: z.string().min(1), Value: str.optional() })).optional() })
      .optional(),
    AutoMatchImageCache: bool.optional(),
    ImageSnapshotId: str.optional(),
    ActiveDeadlineSeconds: int.optional(),
    TerminationGracePeriodSeconds: int.optional(),
    DryRun: bool.optional(),
  })
  .catchall(z.unknown());

export type CreateContainerGroupParams = z.output<typeof createContainerGroupSchema>;

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,126}[a-z0-9]$/;

/** Rules beyond the shape; throws the API error naming the field. */
export function checkCreateRules(p: CreateContainerGroupParams): void {
  if (!NAME_RE.test(p.ContainerGroupName)) {
    throw Errors.invalidParameter(
      'ContainerGroupName',
      'The name must be 2 to 128 characters of lowercase letters, digits and hyphens, and must not start or end with a hyphen.',
    );
  }
  const all = [...p.Container, ...(p.InitContainer ?? [])];
  if (p.Container.length > 20)
    throw Errors.invalidParameter('Container', 'At most 20 containers are allowed.');
  if ((p.InitContainer?.length ?? 0) > 20) {
    throw Errors.invalidParameter('InitContainer', 'At most 20 init containers are allowed.');
  }
  const names = new Set<string>();
  all.forEach((c, i) => {
    if (names.has(c.Name))
      throw Errors.invalidParameter(`Container.${i + 1}.Name`, `Duplicate container name "${c.Name}".`);
    names.add(c.Name);
    if ((c.Arg?.length ?? 0) > 10)
      throw Errors.invalidParameter(`Container.${i + 1}.Arg`, 'At most 10 args are allowed.');
  });
  const volumes = new Set<string>();
  (p.Volume ?? []).forEach((v, i) => {
    if (volumes.has(v.Name))
      throw Errors.invalidParameter(`Volume.${i + 1}.Name`, `Duplicate volume name "${v.Name}".`);
    volumes.add(v.Name);
  });
  p.Container.forEach((c, i) =>
    (c.VolumeMount ?? []).forEach((m, j) => {
      if (!volumes.has(m.Name)) {
        throw Errors.invalidParameter(
          `Container.${i + 1}.VolumeMount.${j + 1}.Name`,
          `No volume named "${m.Name}" is defined.`,
        );
      }
    }),
  );
  (p.InitContainer ?? []).forEach((c, i) =>
    (c.VolumeMount ?? []).forEach((m, j) => {
      if (!volumes.has(m.Name)) {
        throw Errors.invalidParameter(
          `InitContainer.${i + 1}.VolumeMount.${j + 1}.Name`,
          `No volume named "${m.Name}" is defined.`,
        );
      }
    }),
  );
  (p.SecurityContext?.Sysctl ?? []).forEach((s, i) => {
    const why = sysctlRefusal(s);
    if (why) throw Errors.invalidParameter(`SecurityContext.Sysctl.${i + 1}.Name`, why);
  });
  if (p.SpotStrategy === 'SpotWithPriceLimit' && p.SpotPriceLimit === undefined) {
    throw Errors.missingParameter('SpotPriceLimit');
  }
  const vsws = p.VSwitchId.split(',');
  if (vsws.length > 10) throw Errors.invalidParameter('VSwitchId', 'At most 10 vSwitches are allowed.');
}

/** ECI_RESOURCE_IGNORE: containers marked so are left out of the pod spec sum. */
function ignored(c: { EnvironmentVar?: { Key: string; Value?: string }[] | undefined }): boolean {
  return (c.EnvironmentVar ?? []).some(
    (e) => e.Key === '__ECI_RESOURCE_IGNORE__' && e.Value?.toUpperCase() === 'TRUE',
  );
}

/** The (cpu, memory) the group asks for before rounding. */
export function requestedResources(
  p: CreateContainerGroupParams,
): { cpu: number; memory: number } | undefined {
  if (p.Cpu !== undefined || p.Memory !== undefined) return { cpu: p.Cpu ?? 0, memory: p.Memory ?? 0 };
  let cpu = 0;
  let memory = 0;
  for (const c of p.Container) {
    if (ignored(c)) continue;
    cpu += c.Cpu ?? 0;
    memory += c.Memory ?? 0;
  }
  // Init containers run before the app containers: the larger of the two counts.
  for (const c of p.InitContainer ?? []) {
    cpu = Math.max(cpu, c.Cpu ?? 0);
    memory = Math.max(memory, c.Memory ?? 0);
  }
  if (cpu === 0 && memory === 0) return undefined;
  return { cpu, memory };
}
