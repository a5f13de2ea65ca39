// Every reason the pod controller gives its own Kubernetes Events and pod statuses: one
// table, so `kubectl get events` readers and alert rules have a fixed list to match.
// (ECI's own events are relayed with ECI's reasons.)
import { REFERENCE_EVENT_REASONS } from '../translate.ts';

export const REASONS = {
  /** Missing ConfigMaps/Secrets as the kubelet reports them (Optional…/Mandatory…NotFound). */
  ...REFERENCE_EVENT_REASONS,
  /** A create or the group failed in ECI (status reason and Event). */
  providerFailed: 'ProviderFailed',
  /** `eci-max-pending-minute` passed while the pod was Pending. */
  pendingTimeout: 'PendingTimeout',
  /** ECI cannot be listed at start-up (credentials, outage): told to each waiting pod. */
  providerUnavailable: 'ProviderUnavailable',
  /** CreateContainerGroup failed and is retried. */
  providerCreateFailed: 'ProviderCreateFailed',
  /** CreateContainerGroup was throttled by ECI and is retried. */
  throttling: 'Throttling',
  /** DeleteContainerGroup failed and is retried. */
  providerDeleteFailed: 'ProviderDeleteFailed',
  /** The translation accepted the pod with a caveat. */
  translationWarning: 'TranslationWarning',
  /** A ConfigMap/Secret/PVC the pod needs does not exist yet. */
  waitingForReference: 'WaitingForReference',
  /** A container the kubelet would not configure (a bad expanded subPath): the kubelet's own reason. */
  containerConfigFailed: 'Failed',
  /** The pod names an OS other than the node's: the kubelet's admission reason. */
  podOsNotSupported: 'PodOSNotSupported',
  /** The pod's `eci-instance-id` names a group it does not own; the annotation is ignored. */
  instanceIdIgnored: 'InstanceIdIgnored',
  /** A relayed ECI event without a reason of its own. */
  eciEvent: 'ECIEvent',
} as const;

export type Reason = (typeof REASONS)[keyof typeof REASONS];

/** The pod condition the reconciler owns: True once the container group exists. */
export const CONTAINER_INSTANCE_CREATED = 'ContainerInstanceCreated';
