// What every part of the translation shares: the input, and where errors and
// warnings are collected (each error names the pod field or annotation at fault).
import type {
  V1ConfigMap,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
} from '@kubernetes/client-node';

/** The ECI Profile settings the translation uses; the reconciler maps the profile onto it. */
export interface ProfileDefaults {
  vSwitchIds?: string[];
  securityGroupId?: string;
  resourceGroupId?: string;
  enableLogController?: boolean;
  slsMachineGroup?: string;
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
  profile?: ProfileDefaults;
  defaults: { regionId: string; vSwitchIds: string[]; securityGroupId: string; clusterDomain?: string };
}

export interface TranslateError {
  field: string;
  message: string;
  /**
   * Set when the pod names an object that does not exist (yet) or a claim that is not
   * bound: kubelet waits for these, so the reconciler should retry rather than fail.
   */
  missingReference?: true;
}

export class Issues {
  readonly errors: TranslateError[] = [];
  readonly warnings: string[] = [];
  error(field: string, message: string): void {
    this.errors.push({ field, message });
  }
  /** An error caused by a referenced object that is missing or not ready. */
  missing(field: string, message: string): void {
    this.errors.push({ field, message, missingReference: true });
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
}
