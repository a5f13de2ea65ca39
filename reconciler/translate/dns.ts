// dnsPolicy/dnsConfig → DnsPolicy/DnsConfig, and hostAliases → HostAliase.
// ClusterFirst uses the cluster DNS the webhook stamped on the pod.
import { CLUSTER_ANNOTATIONS } from '../../shared/annotation-names.ts';
import { mergeDnsConfig, type EciRequestFields } from './request.ts';
import type { Context } from './context.ts';

const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export function clusterDomain(ctx: Context): string {
  return (
    ctx.pod.metadata?.annotations?.[CLUSTER_ANNOTATIONS.clusterDomain] ??
    ctx.input.defaults.clusterDomain ??
    DEFAULT_CLUSTER_DOMAIN
  );
}

export function applyDns(ctx: Context, request: EciRequestFields): void {
  const spec = ctx.pod.spec;
  const policy = spec?.dnsPolicy ?? 'ClusterFirst';
  const domain = clusterDomain(ctx);
  const servers = (ctx.pod.metadata?.annotations?.[CLUSTER_ANNOTATIONS.clusterDns] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') {
    if (servers.length) {
      request.dnsPolicy = 'None';
      mergeDnsConfig(request, {
        nameServer: servers,
        search: [`${ctx.namespace}.svc.${domain}`, `svc.${domain}`, domain],
        option: [{ name: 'ndots', value: '5' }],
      });
    } else {
      request.dnsPolicy = 'Default';
      ctx.issues.warn(
        `no ${CLUSTER_ANNOTATIONS.clusterDns} annotation: the pod uses the VPC's DNS and cannot resolve cluster names`,
      );
    }
  } else if (policy === 'Default') {
    request.dnsPolicy = 'Default';
  } else if (policy === 'None') {
    request.dnsPolicy = 'None';
    if (!spec?.dnsConfig?.nameservers?.length)
      ctx.issues.error('spec.dnsConfig.nameservers', 'dnsPolicy None needs at least one nameserver');
  } else {
    ctx.issues.error('spec.dnsPolicy', `dnsPolicy ${policy} is not supported`);
  }
  const c = spec?.dnsConfig;
  if (c) {
    mergeDnsConfig(request, {
      nameServer: c.nameservers ?? [],
      search: c.searches ?? [],
      option: (c.options ?? []).map((o) => ({
        name: o.name,
        ...(o.value !== undefined ? { value: o.value } : {}),
      })),
    });
  }
  const aliases = spec?.hostAliases ?? [];
  if (aliases.length) {
    request.hostAliase = aliases.map((a) => ({ ip: a.ip, hostname: a.hostnames ?? [] }));
  }
}
