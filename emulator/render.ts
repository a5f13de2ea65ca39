// Container groups as the SDK's response models expect them (wire names from
// DescribeContainerGroupsResponseBody / DescribeContainerGroupStatusResponseBody).
import type { ContainerGroup, ContainerRuntime, ContainerState, EventRecord } from './model.ts';
import { shownGroupStatus, shownReady, shownState } from './lifecycle/container-state.ts';

export function isoTime(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function renderState(s: ContainerState): Record<string, unknown> {
  return {
    State: s.state,
    DetailStatus: s.detailStatus,
    Reason: s.reason,
    Message: s.message,
    ExitCode: s.exitCode,
    Signal: s.signal,
    StartTime: isoTime(s.startTime),
    FinishTime: isoTime(s.finishTime),
  };
}

export function renderEvent(e: EventRecord): Record<string, unknown> {
  return {
    Count: e.count,
    Type: e.type,
    Name: e.name,
    Reason: e.reason,
    Message: e.message,
    FirstTimestamp: isoTime(e.first),
    LastTimestamp: isoTime(e.last),
  };
}

type ProbeIn = {
  Exec?: { Command?: string[] | undefined } | undefined;
  HttpGet?: { Path?: string | undefined; Port?: number | undefined; Scheme?: string | undefined } | undefined;
  TcpSocket?: { Port?: number | undefined } | undefined;
  InitialDelaySeconds?: number | undefined;
  PeriodSeconds?: number | undefined;
  SuccessThreshold?: number | undefined;
  FailureThreshold?: number | undefined;
  TimeoutSeconds?: number | undefined;
};

function renderProbe(p: ProbeIn | undefined): Record<string, unknown> | undefined {
  if (!p) return undefined;
  return {
    Execs: p.Exec?.Command ?? [],
    HttpGet: p.HttpGet
      ? { Path: p.HttpGet.Path ?? '', Port: p.HttpGet.Port ?? 0, Scheme: p.HttpGet.Scheme ?? '' }
      : undefined,
    TcpSocket: p.TcpSocket ? { Port: p.TcpSocket.Port ?? 0, Host: '' } : undefined,
    InitialDelaySeconds: p.InitialDelaySeconds ?? 0,
    PeriodSeconds: p.PeriodSeconds ?? 10,
    SuccessThreshold: p.SuccessThreshold ?? 1,
    FailureThreshold: p.FailureThreshold ?? 3,
    TimeoutSeconds: p.TimeoutSeconds ?? 1,
  };
}

function renderContainer(g: ContainerGroup, c: ContainerRuntime): Record<string, unknown> {
  const list = c.init ? (g.request.InitContainer ?? []) : g.request.Container;
  const spec = list.find((s) => s.Name === c.name);
  const req = g.request.Container.find((s) => s.Name === c.name);
  const common: Record<string, unknown> = {
    Name: c.name,
    Image: spec?.Image ?? '',
    Cpu: spec?.Cpu ?? 0,
    Memory: spec?.Memory ?? 0,
    Gpu: spec?.Gpu ?? 0,
    Ready: shownReady(c),
    RestartCount: c.restartCount,
    WorkingDir: spec?.WorkingDir ?? '',
    ImagePullPolicy: spec?.ImagePullPolicy ?? 'IfNotPresent',
    Args: spec?.Arg ?? [],
    Ports: (spec?.Port ?? []).map((p) => ({ Port: p.Port, Protocol: p.Protocol ?? 'TCP' })),
    EnvironmentVars: (spec?.EnvironmentVar ?? []).map((e) => ({
      Key: e.Key,
      Value: e.Value ?? '',
      ValueFrom: e.FieldRef?.FieldPath ? { FieldRef: { FieldPath: e.FieldRef.FieldPath } } : undefined,
    })),
    VolumeMounts: (spec?.VolumeMount ?? []).map((m) => ({
      Name: m.Name,
      MountPath: m.MountPath,
      ReadOnly: m.ReadOnly ?? false,
      SubPath: m.SubPath ?? '',
      MountPropagation: m.MountPropagation ?? 'None',
    })),
    SecurityContext: spec?.SecurityContext
      ? {
          Capability: { Adds: spec.SecurityContext.Capability?.Add ?? [] },
          ReadOnlyRootFilesystem: spec.SecurityContext.ReadOnlyRootFilesystem ?? false,
          RunAsUser: spec.SecurityContext.RunAsUser ?? 0,
        }
      : undefined,
    CurrentState: renderState(shownState(c)),
    PreviousState: renderState(c.previous),
  };
  if (c.init) return { ...common, Command: spec?.Command ?? [] };
  return {
    ...common,
    Commands: spec?.Command ?? [],
    ReadinessProbe: renderProbe(req?.ReadinessProbe),
    LivenessProbe: renderProbe(req?.LivenessProbe),
    Stdin: spec?.Stdin ?? false,
    StdinOnce: spec?.StdinOnce ?? false,
    Tty: spec?.Tty ?? false,
  };
}

function renderVolume(v: NonNullable<ContainerGroup['request']['Volume']>[number]): Record<string, unknown> {
  return {
    Name: v.Name,
    Type: v.Type,
    EmptyDirVolumeMedium: v.EmptyDirVolume?.Medium ?? '',
    EmptyDirVolumeSizeLimit: v.EmptyDirVolume?.SizeLimit ?? '',
    NFSVolumeServer: v.NFSVolume?.Server ?? '',
    NFSVolumePath: v.NFSVolume?.Path ?? '',
    NFSVolumeReadOnly: v.NFSVolume?.ReadOnly ?? false,
    ConfigFileVolumeConfigFileToPaths: (v.ConfigFileVolume?.ConfigFileToPath ?? []).map((f) => ({
      Path: f.Path,
      Content: f.Content ?? '',
    })),
    DiskVolumeDiskId: v.DiskVolume?.DiskId ?? '',
    DiskVolumeFsType: v.DiskVolume?.FsType ?? '',
    FlexVolumeDriver: v.FlexVolume?.Driver ?? '',
    FlexVolumeFsType: v.FlexVolume?.FsType ?? '',
    FlexVolumeOptions: v.FlexVolume?.Options ?? '',
  };
}

export function renderGroup(g: ContainerGroup, withEvents: boolean): Record<string, unknown> {
  const r = g.request;
  return {
    ContainerGroupId: g.id,
    ContainerGroupName: g.name,
    RegionId: g.regionId,
    ZoneId: g.zoneId,
    Status: shownGroupStatus(g),
    Cpu: g.cpu,
    Memory: g.memory,
    InstanceType: g.instanceType,
    RestartPolicy: g.restartPolicy,
    IntranetIp: g.status === 'Scheduling' || g.status === 'ScheduleFailed' ? '' : g.intranetIp,
    InternetIp: '',
    Ipv6Address: '',
    VpcId: g.vpcId,
    VSwitchId: g.vSwitchId,
    SecurityGroupId: g.securityGroupId,
    EniInstanceId: g.eniId,
    ResourceGroupId: '',
    CreationTime: isoTime(g.createdAt),
    SucceededTime: isoTime(g.succeededTime),
    FailedTime: isoTime(g.failedTime),
    ExpiredTime: isoTime(g.expiredTime),
    EphemeralStorage: 30,
    Discount: g.spotStrategy === 'NoSpot' ? 10 : 3,
    SpotStrategy: g.spotStrategy,
    SpotPriceLimit: g.spotPriceLimit,
    RamRoleName: '',
    Tags: g.tags.map((t) => ({ Key: t.Key, Value: t.Value })),
    Events: withEvents ? g.events.map(renderEvent) : [],
    Volumes: (r.Volume ?? []).map(renderVolume),
    DnsConfig: r.DnsConfig
      ? {
          NameServers: r.DnsConfig.NameServer ?? [],
          Searches: r.DnsConfig.Search ?? [],
          Options: (r.DnsConfig.Option ?? []).map((o) => ({ Name: o.Name ?? '', Value: o.Value ?? '' })),
        }
      : undefined,
    HostAliases: (r.HostAliase ?? []).map((h) => ({ Ip: h.Ip ?? '', Hostnames: h.Hostname ?? [] })),
    InitContainers: g.initContainers.map((c) => renderContainer(g, c)),
    Containers: g.containers.map((c) => renderContainer(g, c)),
  };
}

const PHASE: Record<ContainerGroup['status'], string> = {
  Scheduling: 'Pending',
  Pending: 'Pending',
  Running: 'Running',
  Restarting: 'Pending',
  Updating: 'Pending',
  Terminating: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Expired: 'Failed',
  ScheduleFailed: 'Failed',
};

export function podPhase(status: ContainerGroup['status']): string {
  return PHASE[status];
}

function k8sState(s: ContainerState, containerId: string): Record<string, unknown> {
  if (s.state === 'Running') return { Running: { StartedAtstartedAt: isoTime(s.startTime) } };
  if (s.state === 'Terminated') {
    return {
      Terminated: {
        ContainerID: containerId,
        ExitCode: s.exitCode,
        Signal: s.signal,
        Reason: s.reason,
        Message: s.message,
        StartedAt: isoTime(s.startTime),
        FinishedAt: isoTime(s.finishTime),
      },
    };
  }
  if (s.state === 'Waiting') return { Waiting: { Reason: s.reason, Message: s.message } };
  return {};
}

/** A tag by exact key, or by a `<prefix>/<suffix>` key (e.g. `eci-virtual-node/pod-name`). */
function tagValue(g: ContainerGroup, exact: string[], suffix: string): string {
  const t = g.tags.find((x) => exact.includes(x.Key) || x.Key.endsWith(`/${suffix}`));
  return t?.Value ?? '';
}

/** DescribeContainerGroupStatus's Kubernetes-pod-like view of a group. */
export function renderPodStatus(g: ContainerGroup): Record<string, unknown> {
  const status = shownGroupStatus(g);
  const ready = status === 'Running' && g.containers.every(shownReady);
  const scheduled = g.status !== 'Scheduling' && g.status !== 'ScheduleFailed';
  const initialized = g.initContainers.every(
    (c) => c.current.state === 'Terminated' && c.current.exitCode === 0,
  );
  const cond = (type: string, ok: boolean) => ({
    type,
    status: ok ? 'True' : 'False',
    lastTransitionTime: isoTime(g.updatedAt),
    Reason: '',
    Message: '',
  });
  const started = g.containers.map((c) => c.current.startTime).filter((t): t is number => t !== undefined);
  return {
    ContainerGroupId: g.id,
    // The pod identity comes from the owner's tags when it set any (ECI fills these for ACK pods).
    Name: tagValue(g, ['PodName'], 'pod-name') || g.name,
    Namespace: tagValue(g, ['NameSpace', 'Namespace'], 'namespace'),
    uuid: tagValue(g, ['UID', 'PodUID'], 'pod-uid'),
    Annotations: '{}',
    Status: status,
    PodStatus: {
      Phase: podPhase(status),
      HostIp: scheduled ? g.intranetIp : '',
      PodIp: scheduled ? g.intranetIp : '',
      PodIps: scheduled ? [{ Ip: g.intranetIp }] : [],
      QosClass: 'Guaranteed',
      StartTime: started.length > 0 ? isoTime(Math.min(...started)) : '',
      Conditions: [
        cond('PodScheduled', scheduled),
        cond('Initialized', scheduled && initialized),
        cond('ContainersReady', ready),
        cond('Ready', ready),
      ],
      ContainerStatuses: g.containers.map((c) => {
        const spec = g.request.Container.find((s) => s.Name === c.name);
        const id = `eci://${g.id}/${c.name}`;
        return {
          Name: c.name,
          Image: spec?.Image ?? '',
          ImageID: spec?.Image ?? '',
          Ready: shownReady(c),
          Started: shownState(c).state === 'Running',
          RestartCount: c.restartCount,
          State: k8sState(shownState(c), id),
          LastState: k8sState(c.previous, id),
        };
      }),
    },
  };
}
