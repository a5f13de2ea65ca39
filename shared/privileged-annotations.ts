// Annotations that reach past the pod into the cloud account: a RAM role, the ACR
// registries the account can read, the account's networks and public IPs. Anyone who
// may create a pod could otherwise set them (also by setting spec.nodeName, which skips
// the webhook), so the reconciler's translation refuses them outside the namespaces the
// operator lists (ECI Profile key `privilegedAnnotations`, shared/profile.ts).
// Least privilege on the cloud side still matters: give the add-on's key `ram:PassRole`
// only on the roles pods may name (docs/security.md).

/** Each privileged annotation and what it grants a pod. */
const PRIVILEGED_ANNOTATIONS = {
  // Cloud IAM
  'k8s.aliyun.com/eci-ram-role-name': 'assumes a RAM role: the pod gets its cloud permissions',
  'k8s.aliyun.com/acr-instance-ids':
    "pulls from the account's ACR Enterprise instances without a pull secret",
  'k8s.aliyun.com/acr-service-arns': 'assumes a RAM role to reach an ACR instance',
  'k8s.aliyun.com/acr-user-arns': 'assumes a RAM role to reach an ACR instance of another account',
  'k8s.aliyun.com/eci-resource-group-id':
    "puts the instance in a resource group, under that group's RAM grants",
  // Networking
  'k8s.aliyun.com/eci-vswitch': 'places the pod in another subnet',
  'k8s.aliyun.com/eci-security-group': 'joins security groups: their firewall rules and their peers',
  'k8s.aliyun.com/eci-private-ip-address': 'takes a chosen private IP address',
  'k8s.aliyun.com/eci-eip-instanceid': 'binds an existing (reserved) public IP',
  'k8s.aliyun.com/eci-with-eip': 'creates a public IP: the pod is reachable from the Internet',
  'k8s.aliyun.com/eip-common-bandwidth-package-id': 'joins a shared, paid bandwidth package',
  'k8s.aliyun.com/eci-ipv6-bandwidth-enable': 'opens public IPv6 Internet access',
} as const;

export type PrivilegedAnnotation = keyof typeof PRIVILEGED_ANNOTATIONS;
export const PRIVILEGED_ANNOTATION_NAMES = Object.keys(PRIVILEGED_ANNOTATIONS) as PrivilegedAnnotation[];

export interface PrivilegedAnnotationPolicy {
  /** Every namespace may use every privileged annotation (the original add-on's behaviour; unsafe). */
  allowAll: boolean;
  /** Namespaces that may use every privileged annotation. */
  allowedNamespaces: string[];
  /** Namespaces that may use one privileged annotation, by annotation. */
  byAnnotation: Partial<Record<PrivilegedAnnotation, string[]>>;
  /** Where the policy comes from, for messages; default: the ECI Profile key. */
  source?: string;
}

/** Refused everywhere until the operator lists namespaces. */
export const DEFAULT_PRIVILEGED_POLICY: PrivilegedAnnotationPolicy = {
  allowAll: false,
  allowedNamespaces: [],
  byAnnotation: {},
};

const PROFILE_POLICY_SOURCE = "the ECI Profile's privilegedAnnotations policy";

export interface PrivilegedRefusal {
  annotation: PrivilegedAnnotation;
  message: string;
}

const isPrivileged = (name: string): name is PrivilegedAnnotation =>
  Object.hasOwn(PRIVILEGED_ANNOTATIONS, name);

/** The privileged annotations the pod sets that `policy` does not allow in `namespace`. */
export function privilegedAnnotationRefusals(
  annotations: Readonly<Record<string, string>> | undefined,
  namespace: string,
  policy: PrivilegedAnnotationPolicy = DEFAULT_PRIVILEGED_POLICY,
): PrivilegedRefusal[] {
  if (policy.allowAll) return [];
  const refusals: PrivilegedRefusal[] = [];
  for (const name of Object.keys(annotations ?? {})) {
    if (!isPrivileged(name)) continue;
    const allowed = [...new Set([...policy.allowedNamespaces, ...(policy.byAnnotation[name] ?? [])])];
    if (allowed.includes(namespace)) continue;
    refusals.push({
      annotation: name,
      message:
        `annotation ${name} is not allowed in namespace "${namespace}" by ${policy.source ?? PROFILE_POLICY_SOURCE} ` +
        `(allowed in: ${allowed.length ? allowed.join(', ') : 'no namespace'}); it ${PRIVILEGED_ANNOTATIONS[name]}`,
    });
  }
  return refusals;
}
