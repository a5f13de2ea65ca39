// What each ECI annotation does to the CreateContainerGroup request: one apply per
// `request` row of the value table (shared/annotation-values.ts). The type below makes
// a row without an apply, or an apply without a row, a compile error.
import {
  ECI_ANNOTATIONS,
  type EciAnnotationName,
  type ParsedEciAnnotations,
} from '../../shared/annotation-values.ts';
import { mergeDnsConfig, type EciRequestFields } from './request.ts';

/** The annotations whose value sets request fields. */
export type RequestAnnotation = {
  [K in EciAnnotationName]: (typeof ECI_ANNOTATIONS)[K]['use'] extends 'request' ? K : never;
}[EciAnnotationName];

type Apply<K extends RequestAnnotation> = (
  request: EciRequestFields,
  value: NonNullable<ParsedEciAnnotations[K]>,
) => void;

/** `apply` for an annotation whose parsed value is the request field as it is. */
function setField<K extends keyof EciRequestFields>(key: K) {
  return (request: EciRequestFields, value: EciRequestFields[K]): void => {
    request[key] = value;
  };
}

const splitCsv = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export const APPLY: { [K in RequestAnnotation]: Apply<K> } = {
  'k8s.aliyun.com/eci-instance-type': (r, v) => {
    r.instanceType = v;
    delete r.cpu;
    delete r.memory;
  },
  'k8s.aliyun.com/eci-use-specs': (r, specs) => {
    const [first] = specs;
    if (specs.length === 1 && first && 'cpu' in first) {
      r.cpu = first.cpu;
      r.memory = first.memory;
      delete r.instanceType;
      return;
    }
    r.instanceType = specs.map((s) => ('cpu' in s ? `${s.cpu}-${s.memory}Gi` : s.instanceType)).join(',');
    delete r.cpu;
    delete r.memory;
  },
  'k8s.aliyun.com/eci-cpu-option-core': setField('cpuOptionsCore'),
  'k8s.aliyun.com/eci-cpu-option-ht': setField('cpuOptionsThreadsPerCore'),
  'k8s.aliyun.com/eci-spot-strategy': setField('spotStrategy'),
  'k8s.aliyun.com/eci-spot-price-limit': setField('spotPriceLimit'),
  'k8s.aliyun.com/eci-spot-duration': setField('spotDuration'),
  'k8s.aliyun.com/eci-vswitch': (r, v) => {
    r.vSwitchId = v.join(',');
  },
  'k8s.aliyun.com/eci-schedule-strategy': setField('scheduleStrategy'),
  'k8s.aliyun.com/eci-security-group': (r, v) => {
    r.securityGroupId = v.join(',');
  },
  'k8s.aliyun.com/eci-resource-group-id': setField('resourceGroupId'),
  'k8s.aliyun.com/eci-ram-role-name': setField('ramRoleName'),
  'k8s.aliyun.com/eci-custom-tags': (r, v) => {
    r.tag = [...(r.tag ?? []), ...v];
  },
  'k8s.aliyun.com/eci-image-snapshot-id': setField('imageSnapshotId'),
  'k8s.aliyun.com/eci-imc-id': setField('imageSnapshotId'),
  'k8s.aliyun.com/eci-image-cache': setField('autoMatchImageCache'),
  'k8s.aliyun.com/eci-auto-imc': setField('autoMatchImageCache'),
  'k8s.aliyun.com/acr-instance-ids': (r, v) => {
    r.acrRegistryInfo = v.map((x) => ({ ...x }));
  },
  'k8s.aliyun.com/acr-service-arns': (r, v) => {
    r.acrRegistryInfo = (r.acrRegistryInfo ?? []).map((x) => ({ ...x, arnService: v }));
  },
  'k8s.aliyun.com/acr-user-arns': (r, v) => {
    r.acrRegistryInfo = (r.acrRegistryInfo ?? []).map((x) => ({ ...x, arnUser: v }));
  },
  'k8s.aliyun.com/plain-http-registry': (r, v) => {
    r.plainHttpRegistry = v.join(',');
  },
  'k8s.aliyun.com/insecure-registry': (r, v) => {
    r.insecureRegistry = v.join(',');
  },
  'k8s.aliyun.com/eci-with-eip': setField('autoCreateEip'),
  'k8s.aliyun.com/eip-bandwidth': setField('eipBandwidth'),
  'k8s.aliyun.com/eci-eip-instanceid': setField('eipInstanceId'),
  'k8s.aliyun.com/eip-common-bandwidth-package-id': setField('eipCommonBandwidthPackage'),
  'k8s.aliyun.com/eip-isp': setField('eipISP'),
  'k8s.aliyun.com/eci-enable-ipv6': (r, v) => {
    if (v) r.ipv6AddressCount = 1;
  },
  'k8s.aliyun.com/eci-ipv6-bandwidth-enable': setField('ipv6GatewayBandwidthEnable'),
  'k8s.aliyun.com/eci-ipv6-bandwidth': setField('ipv6GatewayBandwidth'),
  'k8s.aliyun.com/eci-private-ip-address': setField('privateIpAddress'),
  'k8s.aliyun.com/eci-fixed-ip': (r, v) => {
    r.fixedIp = String(v);
  },
  'k8s.aliyun.com/eci-fixed-ip-retain-hour': setField('fixedIpRetainHour'),
  'kubernetes.io/ingress-bandwidth': setField('ingressBandwidth'),
  'kubernetes.io/egress-bandwidth': setField('egressBandwidth'),
  'k8s.aliyun.com/eci-custom-dnsconfig': (r, v) => {
    mergeDnsConfig(r, {
      nameServer: splitCsv(v.nameservers),
      search: splitCsv(v.searches),
      option: splitCsv(v.options).map((o) => {
        const i = o.indexOf(':');
        return i < 0 ? { name: o } : { name: o.slice(0, i), value: o.slice(i + 1) };
      }),
    });
  },
  'k8s.aliyun.com/eci-custom-hosts': (r, v) => {
    const aliases = [...(r.hostAliase ?? [])];
    for (const { host: h, ip } of v) {
      const same = aliases.find((a) => a.ip === ip);
      if (same) same.hostname = [...(same.hostname ?? []), h];
      else aliases.push({ ip, hostname: [h] });
    }
    r.hostAliase = aliases;
  },
  'k8s.aliyun.com/eci-extra-ephemeral-storage': setField('ephemeralStorage'),
  'k8s.aliyun.com/eci-data-cache-bucket': setField('dataCacheBucket'),
  'k8s.aliyun.com/eci-data-cache-pl': setField('dataCachePL'),
  'k8s.aliyun.com/eci-data-cache-provisionedIops': setField('dataCacheProvisionedIops'),
  'k8s.aliyun.com/eci-data-cache-burstingEnabled': setField('dataCacheBurstingEnabled'),
  'k8s.aliyun.com/eci-ntp-server': setField('ntpServer'),
  'k8s.aliyun.com/eci-core-pattern': setField('corePattern'),
};

/**
 * Applies the parsed annotations to a request in table order (later rows win on the
 * same field). Runs after the pod and profile have been translated, so an annotation
 * beats both.
 */
export function applyEciAnnotations(request: EciRequestFields, values: ParsedEciAnnotations): void {
  const applies = APPLY as Partial<Record<string, (r: EciRequestFields, v: unknown) => void>>;
  for (const name of Object.keys(ECI_ANNOTATIONS)) {
    const value = (values as Record<string, unknown>)[name];
    if (value !== undefined) applies[name]?.(request, value);
  }
}
