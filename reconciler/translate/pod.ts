// Pod-level checks and fields: what ECI cannot give a pod at all, and the
// request fields that come from the pod spec as a whole.
import type { EciRequestFields } from './request.ts';
import { podRuleViolations } from '../../shared/pod-rules.ts';
import type { Context } from './context.ts';
import { clusterDomain } from './dns.ts';
import { podHostname } from './names.ts';
import { normalizeSysctlName } from './sysctls.ts';

const RESTART_POLICIES = new Set(['Always', 'OnFailure', 'Never']);

/**
 * Errors for what an ECI pod cannot have: the pod rules the webhook warns with
 * (shared/pod-rules.ts), then what only the translation checks.
 */
export function checkPod(ctx: Context): void {
  const { issues } = ctx;
  const spec = ctx.pod.spec;
  if (!spec) return;
  for (const v of podRuleViolations(ctx.pod)) issues.error(v.field, v.message);
  if (spec.os?.name && spec.os.name !== 'linux') issues.error('spec.os.name', 'ECI runs Linux pods only');
  if (spec.resourceClaims?.length)
    issues.error(
      'spec.resourceClaims',
      'dynamic resource allocation (ResourceClaims) is not available on ECI',
    );
  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (!RESTART_POLICIES.has(restartPolicy))
    issues.error('spec.restartPolicy', `unknown restartPolicy ${restartPolicy}`);
}

/** Pod security fields with no ECI equivalent, appended to the containers' list. */
export function droppedPodSecurity(ctx: Context): string[] {
  const sc = ctx.pod.spec?.securityContext;
  const dropped: string[] = [];
  if (sc?.fsGroup !== undefined) dropped.push('spec.securityContext.fsGroup');
  if (sc?.supplementalGroups?.length) dropped.push('spec.securityContext.supplementalGroups');
  if (sc?.seLinuxOptions) dropped.push('spec.securityContext.seLinuxOptions');
  if (sc?.seccompProfile && sc.seccompProfile.type !== 'RuntimeDefault')
    dropped.push('spec.securityContext.seccompProfile');
  return dropped;
}

/** Host name, sysctls, process namespace and the deadlines. */
export function applyPodFields(ctx: Context, request: EciRequestFields): void {
  const spec = ctx.pod.spec;
  if (!spec) return;
  const hostname = podHostname(ctx.podName, spec.hostname, spec.hostnameOverride);
  request.hostName =
    spec.setHostnameAsFQDN && spec.subdomain && !spec.hostnameOverride
      ? `${hostname}.${spec.subdomain}.${ctx.namespace}.svc.${clusterDomain(ctx)}`
      : hostname;
  const sysctls = spec.securityContext?.sysctls ?? [];
  // ECI takes the dotted form, the one the kubelet passes to the runtime.
  if (sysctls.length)
    request.securityContext = {
      sysctl: sysctls.map((s) => ({ name: normalizeSysctlName(s.name), value: s.value })),
    };
  if (spec.shareProcessNamespace) request.shareProcessNamespace = true;
  if (spec.activeDeadlineSeconds !== undefined) request.activeDeadlineSeconds = spec.activeDeadlineSeconds;
  if (spec.terminationGracePeriodSeconds !== undefined)
    request.terminationGracePeriodSeconds = spec.terminationGracePeriodSeconds;
}
