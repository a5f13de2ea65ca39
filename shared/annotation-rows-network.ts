// Rows of the ECI annotation table (annotation-values.ts): network, DNS, hosts,
// storage, runtime and logs (examples/translate/README.md), and the annotations the
// reconciler writes back (docs/status-mapping.md).
import { z } from 'zod';
import {
  bandwidth,
  boolean,
  dnsConfigJson,
  host,
  hostsJson,
  idOf,
  int,
  ipv4,
  list,
  str,
} from './annotation-schemas.ts';
import { NO_FIELD, ignored, spec, status, unsupported, unsupportedValue } from './annotation-schemas.ts';
import { INSTANCE_ANNOTATIONS } from './annotation-names.ts';

export const NETWORK_ROWS = {
  // network, DNS, hosts
  'k8s.aliyun.com/eci-with-eip': spec<boolean, 'request'>({
    use: 'request',
    field: 'AutoCreateEip',
    format: '"true" or "false"',
    schema: boolean,
  }),
  'k8s.aliyun.com/eip-bandwidth': spec<number, 'request'>({
    use: 'request',
    field: 'EipBandwidth',
    format: 'an integer Mbit/s from 1 to 10000',
    schema: int(1, 10000),
  }),
  'k8s.aliyun.com/eci-eip-instanceid': spec<string, 'request'>({
    use: 'request',
    field: 'EipInstanceId',
    format: 'an EIP id "eip-…"',
    schema: str.pipe(idOf('eip')),
  }),
  'k8s.aliyun.com/eip-common-bandwidth-package-id': spec<string, 'request'>({
    use: 'request',
    field: 'EipCommonBandwidthPackage',
    format: 'a bandwidth package id "cbwp-…"',
    schema: str.pipe(idOf('cbwp')),
  }),
  'k8s.aliyun.com/eip-isp': spec<string, 'request'>({
    use: 'request',
    field: 'EipISP',
    format: 'BGP or BGP_PRO',
    schema: str.pipe(z.enum(['BGP', 'BGP_PRO'])),
  }),
  'k8s.aliyun.com/eip-internet-charge-type': unsupportedValue(NO_FIELD, 'PayByBandwidth or PayByTraffic'),
  'k8s.aliyun.com/eip-public-ip-address-pool-id': unsupportedValue(NO_FIELD, 'a pool id "pippool-…"'),
  'k8s.aliyun.com/eci-enable-ipv6': spec<boolean, 'request'>({
    use: 'request',
    field: 'Ipv6AddressCount (1 when true)',
    format: '"true" or "false"',
    schema: boolean,
  }),
  'k8s.aliyun.com/eci-ipv6-bandwidth-enable': spec<boolean, 'request'>({
    use: 'request',
    field: 'Ipv6GatewayBandwidthEnable',
    format: '"true" or "false"',
    schema: boolean,
  }),
  'k8s.aliyun.com/eci-ipv6-bandwidth': spec<string, 'request'>({
    use: 'request',
    field: 'Ipv6GatewayBandwidth',
    format: 'Mbit/s with an "M" suffix, e.g. "100M"',
    schema: str.regex(/^\d{1,6}M$/, 'must look like "100M"'),
  }),
  'k8s.aliyun.com/eci-private-ip-address': spec<string, 'request'>({
    use: 'request',
    field: 'PrivateIpAddress',
    format: 'an IPv4 address in the vSwitch',
    schema: str.pipe(ipv4),
  }),
  'k8s.aliyun.com/eci-fixed-ip': spec<boolean, 'request'>({
    use: 'request',
    field: 'FixedIp',
    format: '"true" or "false"',
    schema: boolean,
  }),
  'k8s.aliyun.com/eci-fixed-ip-retain-hour': spec<number, 'request'>({
    use: 'request',
    field: 'FixedIpRetainHour',
    format: 'a positive integer number of hours',
    schema: int(1, 8760),
  }),
  'kubernetes.io/ingress-bandwidth': spec<number, 'request'>({
    use: 'request',
    field: 'IngressBandwidth (bytes/s)',
    format: 'bytes per second with an optional unit, e.g. "40M"',
    schema: bandwidth,
  }),
  'kubernetes.io/egress-bandwidth': spec<number, 'request'>({
    use: 'request',
    field: 'EgressBandwidth (bytes/s)',
    format: 'bytes per second with an optional unit, e.g. "40M"',
    schema: bandwidth,
  }),
  'k8s.aliyun.com/eci-custom-dnsconfig': spec<z.infer<typeof dnsConfigJson>, 'request'>({
    use: 'request',
    field: 'DnsConfig.NameServer/Search/Option (merged after the pod dnsConfig)',
    format: 'JSON {"nameservers":"a,b","searches":"x,y","options":"ndots:2,edns0"}',
    schema: dnsConfigJson,
  }),
  'k8s.aliyun.com/eci-custom-hosts': spec<z.infer<typeof hostsJson>, 'request'>({
    use: 'request',
    field: 'HostAliase.N.Ip/Hostname (after the pod hostAliases)',
    format: 'JSON [{"host":"example.com","ip":"10.0.0.1"}, …]',
    schema: hostsJson,
  }),
  // ACK runs kube-proxy inside the group for ClusterIP access, but CreateContainerGroup
  // (https://www.alibabacloud.com/help/en/eci/api-createcontainergroup, SDK 2.0.3) has no
  // parameter for it: refused rather than accepted and silently unreachable.
  'k8s.aliyun.com/eci-kube-proxy-enabled': unsupported(
    `ClusterIP access through kube-proxy in the container group: ${NO_FIELD}; ` +
      'reach Services by their PrivateZone names (ECI Profile enablePrivateZone) or endpoint addresses',
  ),

  // storage, runtime, logs
  'k8s.aliyun.com/eci-extra-ephemeral-storage': spec<number, 'request'>({
    use: 'request',
    field: 'EphemeralStorage (GiB)',
    format: 'a whole number of GiB such as "50Gi"',
    schema: str
      .regex(/^\d+(Gi)?$/, 'must be a whole number of GiB such as "50Gi"')
      .transform((v) => Number(v.replace(/Gi$/, '')))
      .pipe(z.number().int().min(1).max(2048)),
  }),
  'k8s.aliyun.com/eci-ephemeral-storage-options': unsupportedValue(
    NO_FIELD,
    'JSON such as {"encrypted":"true"}',
  ),
  'k8s.aliyun.com/eci-eviction-enable': unsupported(NO_FIELD),
  'k8s.aliyun.com/eci-set-diskvolume': unsupportedValue(
    `${NO_FIELD} (legacy); use a PersistentVolumeClaim bound to a disk`,
    'name:fstype:size',
  ),
  'k8s.aliyun.com/eci-data-cache-bucket': spec<string, 'request'>({
    use: 'request',
    field: 'DataCacheBucket',
    format: 'a DataCache bucket name, e.g. "default"',
    schema: str.regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1-128 letters, digits, ".", "-" or "_"'),
  }),
  'k8s.aliyun.com/eci-data-cache-pl': spec<string, 'request'>({
    use: 'request',
    field: 'DataCachePL',
    format: 'PL0, PL1, PL2 or PL3',
    schema: str.pipe(z.enum(['PL0', 'PL1', 'PL2', 'PL3'])),
  }),
  'k8s.aliyun.com/eci-data-cache-provisionedIops': spec<number, 'request'>({
    use: 'request',
    field: 'DataCacheProvisionedIops',
    format: 'an integer IOPS from 0 to 50000',
    schema: int(0, 50000),
  }),
  'k8s.aliyun.com/eci-data-cache-burstingEnabled': spec<boolean, 'request'>({
    use: 'request',
    field: 'DataCacheBurstingEnabled',
    format: '"true" or "false"',
    schema: boolean,
  }),
  'k8s.aliyun.com/eci-ntp-server': spec<string[], 'request'>({
    use: 'request',
    field: 'NtpServer.N',
    format: 'comma-separated NTP server addresses',
    schema: list(host, 10),
  }),
  'k8s.aliyun.com/eci-core-pattern': spec<string, 'request'>({
    use: 'request',
    field: 'CorePattern',
    format: 'an absolute directory path such as "/pod/data/dump/core" (not a "|" pipe)',
    schema: str.regex(/^\/[^|]*$/, 'must be an absolute path and must not start with "|"'),
  }),
  'k8s.aliyun.com/eci-sls-enable': ignored(
    `${NO_FIELD} (SlsEnable); log collection follows the containers' aliyun_logs_* env`,
    '"true" or "false"',
    boolean,
  ),

  // written back by the reconciler (reconciler/translate/instance-annotations.ts); known, so never "unknown"
  [INSTANCE_ANNOTATIONS.instanceId]: status,
  [INSTANCE_ANNOTATIONS.clientToken]: status,
  [INSTANCE_ANNOTATIONS.requestId]: status,
  [INSTANCE_ANNOTATIONS.instanceSpec]: status,
  [INSTANCE_ANNOTATIONS.instanceCpu]: status,
  [INSTANCE_ANNOTATIONS.instanceMemory]: status,
  [INSTANCE_ANNOTATIONS.instanceZone]: status,
  [INSTANCE_ANNOTATIONS.vpc]: status,
  [INSTANCE_ANNOTATIONS.matchedImageCache]: status,
} as const;
