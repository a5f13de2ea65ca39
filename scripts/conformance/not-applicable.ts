// Specs that cannot pass on ECI because of a real, documented ECI limit (issue 18: "not
// applicable is a claim about ECI, never about this project's code"). Each claim names the
// exact spec texts it covers (as ginkgo names them and docs/conformance.md lists them), the
// limit, a public Alibaba Cloud page and the sentence of it that states the limit. The run
// skips these specs (no verdict to wait for) and the table marks them with the reason.
// A failure is this project's to fix until a page like these proves otherwise.

export interface NotApplicableClaim {
  /** Exact spec texts, containers and leaf joined as in docs/conformance.md. */
  specs: readonly string[];
  /** The ECI limit, in one sentence of our own. */
  limit: string;
  /** A public Alibaba Cloud documentation page that states it. */
  source: string;
  /** The page's own words, verbatim. */
  quote: string;
  /** Further pages the limit leans on, each with its own words, verbatim. */
  also?: readonly { source: string; quote: string }[];
}

const ECI_LIMITS_PAGE = 'https://www.alibabacloud.com/help/en/elastic-container-instance/latest/limits';
const ECI_PROBES_PAGE =
  'https://www.alibabacloud.com/help/en/eci/user-guide/use-probes-to-perform-health-checks-on-containers';
const ECI_VOLUMES_PAGE = 'https://www.alibabacloud.com/help/en/eci/user-guide/overview-of-volumes';
const ECI_UPDATE_PAGE =
  'https://www.alibabacloud.com/help/en/eci/developer-reference/api-eci-2018-08-08-updatecontainergroup';
/** ECI's pod lifecycle table: its row for an instance being updated (status, description, Kubernetes phase, billed). */
const UPDATING_IS_PENDING = {
  source: 'https://www.alibabacloud.com/help/en/eci/user-guide/lifecycle-of-an-elastic-container-instance-2',
  quote: 'Updating | The pod is being updated. | Pending | Yes',
} as const;
const ECI_SECURITY_CONTEXT_PAGE =
  'https://www.alibabacloud.com/help/en/eci/user-guide/configure-a-security-context-for-an-elastic-container-instance-or-a-container';

export const NOT_APPLICABLE_CLAIMS: readonly NotApplicableClaim[] = [
  {
    specs: [
      '[sig-node] Pod InPlace Resize Container burstable pods - extended 6 containers - various operations performed (including adding limits and requests) [MinimumKubeletVersion:1.34] [Conformance]',
      '[sig-node] Pod InPlace Resize Container burstable pods - extended resize with equivalents [MinimumKubeletVersion:1.34] [Conformance]',
      '[sig-node] Pod InPlace Resize Container guaranteed pods with multiple containers 3 containers - increase cpu & mem on c1, c2, decrease cpu & mem on c3 - net increase [MinimumKubeletVersion:1.34] [Conformance]',
      '[sig-node] Pod InPlace Resize Container guaranteed pods with multiple containers 3 containers - increase cpu & mem on c1, decrease cpu & mem on c2, c3 - net decrease [MinimumKubeletVersion:1.34] [Conformance]',
      '[sig-node] Pod InPlace Resize Container guaranteed pods with multiple containers 3 containers - increase: CPU (c1,c3), memory (c2, c3) ; decrease: CPU (c2) [MinimumKubeletVersion:1.34] [Conformance]',
      '[sig-node] Pod InPlace Resize Container resize pod via the replace endpoint [MinimumKubeletVersion:1.34] [Conformance]',
    ],
    limit:
      "ECI changes a running instance's containers only through UpdateContainerGroup, which takes the whole instance out of Running into Updating (a Pending pod in ECI's own pod lifecycle table): a container's CPU or memory cannot change while it and its pod keep running, as an in-place resize requires",
    source: ECI_UPDATE_PAGE,
    quote:
      'You can update only Elastic Container Instance (ECI) instances that are in the Pending or Running state. After the update, the instance status changes to Updating.',
    also: [UPDATING_IS_PENDING],
  },
  {
    specs: [
      '[sig-node] Ephemeral Containers [NodeConformance] should update the ephemeral containers in an existing pod [Conformance]',
      '[sig-node] Ephemeral Containers [NodeConformance] will start an ephemeral container in an existing pod [Conformance]',
    ],
    limit:
      "CreateContainerGroup has no ephemeral containers, and the only way to give a running ECI instance another container is UpdateContainerGroup, which takes the whole instance out of Running into Updating (a Pending pod in ECI's own pod lifecycle table): a container cannot join a pod whose containers keep running, as an ephemeral container must",
    source: ECI_UPDATE_PAGE,
    quote:
      'You can update only Elastic Container Instance (ECI) instances that are in the Pending or Running state. After the update, the instance status changes to Updating.',
    also: [UPDATING_IS_PENDING],
  },
  {
    specs: [
      '[sig-node] Downward API should provide host IP and pod IP as an env var if pod uses host network [LinuxOnly] [NodeConformance]',
      '[sig-node] Kubelet with pods in a privileged namespace when scheduling an agnhost Pod with hostAliases and hostNetwork should write entries to /etc/hosts when hostNetwork is enabled [NodeConformance]',
      // Its second pod runs with hostNetwork: true and its first mounts the host's /etc/hosts (hostPath).
      '[sig-node] KubeletManagedEtcHosts should test kubelet managed /etc/hosts file [NodeConformance] [Conformance]',
    ],
    limit:
      "an ECI pod runs on no node of the cluster: the page's table of unsupported features lists HostNetwork and HostPath",
    source: ECI_LIMITS_PAGE,
    quote:
      'Elastic container instances run across the Alibaba Cloud resource pool rather than on fixed physical nodes. Because of this, Kubernetes features that depend on direct host access are not supported.',
  },
  {
    specs: [
      '[sig-node] Probing container should *not* be restarted with a GRPC liveness probe [NodeConformance] [Conformance]',
      '[sig-node] Probing container should be restarted with a GRPC liveness probe [NodeConformance] [Conformance]',
      '[sig-node] [NodeConformance] [FeatureGate:SidecarContainers] Probing restartable init container should *not* be restarted with a GRPC liveness probe',
      '[sig-node] [NodeConformance] [FeatureGate:SidecarContainers] Probing restartable init container should be restarted with a GRPC liveness probe',
    ],
    limit: 'ECI probes check by HTTP GET, exec or TCP socket only: there is no gRPC probe',
    source: ECI_PROBES_PAGE,
    quote:
      'When you configure LivenessProbe parameters, you can specify only one check method: HttpGet, Exec, or TcpSocket.',
  },
  {
    specs: [
      '[sig-node] Probing container should be restarted by liveness probe after startup probe enables it [NodeConformance]',
      '[sig-node] Probing container should be restarted startup probe fails [NodeConformance]',
      '[sig-node] Probing container should override timeoutGracePeriodSeconds when StartupProbe field is set [NodeConformance]',
      '[sig-node] [NodeConformance] [FeatureGate:SidecarContainers] Probing restartable init container should be restarted by liveness probe after startup probe enables it',
      '[sig-node] [NodeConformance] [FeatureGate:SidecarContainers] Probing restartable init container should be restarted startup probe fails',
      '[sig-node] [NodeConformance] [FeatureGate:SidecarContainers] Probing restartable init container should override timeoutGracePeriodSeconds when StartupProbe field is set',
    ],
    limit:
      'ECI has liveness and readiness probes but no startup probe: a failing startup probe cannot restart a container, nor can its success start the liveness probe (the reconciler can only delay the liveness probe by the whole startup budget)',
    source: ECI_PROBES_PAGE,
    quote: 'ECI supports liveness probes and readiness probes to check the health and status of containers.',
  },
  {
    specs: [
      '[sig-node] Probing container should override timeoutGracePeriodSeconds when LivenessProbe field is set [NodeConformance]',
      '[sig-node] [NodeConformance] [FeatureGate:SidecarContainers] Probing restartable init container should override timeoutGracePeriodSeconds when LivenessProbe field is set',
    ],
    limit:
      "ECI restarts a container whose liveness probe fails itself, and an ECI probe has no grace period of its own (the page's LivenessProbe parameters are the HttpGet, Exec or TcpSocket check, InitialDelaySeconds, PeriodSeconds, SuccessThreshold, FailureThreshold and TimeoutSeconds): a probe's terminationGracePeriodSeconds cannot shorten the pod's",
    source: ECI_PROBES_PAGE,
    quote: 'If the check fails, the system restarts the container based on its configured restart policy.',
  },
  {
    specs: [
      // Only `false` needs no_new_privs; `when true` and `when not explicitly set` need escalation
      // allowed, which takes no field, so they stay this project's to pass.
      '[sig-node] Security Context when creating containers with AllowPrivilegeEscalation should not allow privilege escalation when false [LinuxOnly] [NodeConformance] [Conformance]',
    ],
    limit:
      "the container security context ECI documents (user identity, capabilities, privileged mode; CreateContainerGroup's RunAsUser, RunAsGroup, RunAsNonRoot, Capability.Add, ReadOnlyRootFilesystem, Privileged) has no allowPrivilegeEscalation (no_new_privs) to turn off",
    source: ECI_SECURITY_CONTEXT_PAGE,
    quote:
      'Container security context — settings apply only to the specified container. Use this to configure the user identity, capabilities, and privileged mode.',
  },
  {
    specs: [
      '[sig-node] ImageVolume should succeed with pod and pull policy of Always [LinuxOnly] [MinimumKubeletVersion:1.35] [Conformance]',
    ],
    limit:
      "ECI mounts disk, NAS, OSS, emptyDir and ConfigFile volumes (the page's table of volume types): none mounts an OCI image's contents",
    source: ECI_VOLUMES_PAGE,
    quote: 'ECI supports five volume types to cover different storage needs.',
  },
];

/** Spec text → the reason shown in the table: the limit and where it is documented. */
export const NOT_APPLICABLE: ReadonlyMap<string, string> = new Map(
  NOT_APPLICABLE_CLAIMS.flatMap((c) => c.specs.map((s) => [s, `${c.limit} (${c.source})`] as const)),
);
