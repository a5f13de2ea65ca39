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
}

const ECI_LIMITS_PAGE = 'https://www.alibabacloud.com/help/en/elastic-container-instance/latest/limits';
const ECI_PROBES_PAGE =
  'https://www.alibabacloud.com/help/en/eci/user-guide/use-probes-to-perform-health-checks-on-containers';

export const NOT_APPLICABLE_CLAIMS: readonly NotApplicableClaim[] = [
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
];

/** Spec text → the reason shown in the table: the limit and where it is documented. */
export const NOT_APPLICABLE: ReadonlyMap<string, string> = new Map(
  NOT_APPLICABLE_CLAIMS.flatMap((c) => c.specs.map((s) => [s, `${c.limit} (${c.source})`] as const)),
);
