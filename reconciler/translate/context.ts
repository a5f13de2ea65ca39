// What every part of the translation shares: the input, and where errors and
// warnings are collected (each error names the pod field or annotation at fault).
import type {
  V1ConfigMap,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import type { PrivilegedAnnotationPolicy } from '../../shared/privileged-annotations.ts';
import type { Owner } from '../ownership.ts';

/** The ECI Profile settings the translation uses; the reconciler maps the profile onto it. */
export interface ProfileDefaults {
  vSwitchIds?: string[];
  securityGroupId?: string;
  resourceGroupId?: string;
  enableLogController?: boolean;
  slsMachineGroup?: string;
  /** Used when the input has no `policy`. */
  privilegedAnnotations?: PrivilegedAnnotationPolicy;
}

export interface TranslateInput {
  pod: V1Pod;
  /** By name, same namespace, already fetched. */
  configMaps?: Record<string, V1ConfigMap>;
  secrets?: Record<string, V1Secret>;
  persistentVolumeClaims?: Record<string, V1PersistentVolumeClaim>;
  persistentVolumes?: Record<string, V1PersistentVolume>;
  /**
   * Service-account tokens the reconciler obtained (TokenRequest) for this pod, keyed by
   * audience ('' = the API server's own). See `serviceAccountTokenAudiences`.
   */
  serviceAccountTokens?: Record<string, string>;
  /**
   * The pod namespace's Services and `default/kubernetes`, fetched on create; the kubelet's
   * service variables come from them (service-env.ts). Absent: no service variables.
   */
  services?: V1Service[];
  profile?: ProfileDefaults;
  /** The reconciler's flags; the profile's placement wins over them (translate/placement.ts). */
  defaults: { regionId: string; vSwitchIds: string[]; securityGroupId: string; clusterDomain?: string };
  /**
   * Who the group is for. When set, the request is final: ClientToken = pod UID and the
   * ownership tags (reconciler/ownership.ts) are in it.
   */
  owner?: Owner;
  /** Create attempts that failed with NoStock so far: the vSwitch list starts that many zones later. */
  attempt?: number;
  /**
   * Which namespaces may use the annotations that grant cloud IAM or networking
   * (shared/privileged-annotations.ts), as the reconciler resolved it from the ECI Profile
   * and its flags. Absent: the profile's `privilegedAnnotations`, else the default
   * (refused in every namespace).
   */
  policy?: PrivilegedAnnotationPolicy;
}

type ReferenceKind = 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim' | 'PersistentVolume';

/** An object (or a key in it) the pod names that was not found; `optional` as the pod declares it. */
export interface MissingReference {
  kind: ReferenceKind;
  name: string;
  key?: string;
  optional: boolean;
  /** The pod field that names it. */
  field: string;
}

export interface TranslateError {
  field: string;
  message: string;
  /**
   * Set when the pod names an object that does not exist (yet) or a claim that is not
   * bound: kubelet waits for these, so the reconciler should retry rather than fail.
   */
  missingReference?: true;
  /**
   * Set when a container's configuration cannot be prepared (a subPath that expands to an
   * absolute path or climbs out of its volume): a kubelet keeps such a pod Pending with the
   * container waiting in CreateContainerConfigError and this message.
   */
  configError?: true;
}

type Reference = Omit<MissingReference, 'optional' | 'field'>;

export class Issues {
  readonly errors: TranslateError[] = [];
  readonly warnings: string[] = [];
  readonly references: MissingReference[] = [];
  error(field: string, message: string): void {
    this.errors.push({ field, message });
  }
  /** An error caused by a referenced object that is missing or not ready. */
  missing(field: string, message: string, reference?: Reference): void {
    this.errors.push({ field, message, missingReference: true });
    if (reference) this.references.push({ ...reference, optional: false, field });
  }
  /** A container configuration a kubelet refuses to prepare (CreateContainerConfigError). */
  configError(field: string, message: string): void {
    this.errors.push({ field, message, configError: true });
  }
  /** A reference the pod marks optional that is missing: the pod runs without it, as on a kubelet. */
  optionalMissing(field: string, reference: Reference): void {
    this.references.push({ ...reference, optional: true, field });
  }
  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }
}

export interface Context {
  input: TranslateInput;
  pod: V1Pod;
  namespace: string;
  podName: string;
  issues: Issues;
  /** The kubelet's service variables for this pod (service-env.ts), computed once. */
  serviceEnv: Map<string, string>;
}
