// The replicas' Leases on the API server: one labelled LIST per round, and writes that carry
// the resourceVersion last read (a replace fails with 409 if anyone wrote in between, a
// create fails with 409 if the Lease appeared), so each write is a compare-and-swap.
import { CoordinationV1Api, type KubeConfig, type V1Lease, type V1LeaseSpec } from '@kubernetes/client-node';
import { isConflict, isNotFound } from '../../shared/kube.ts';
import { LEASE_KIND_LABEL, type LeaseKind, type LeaseRecord } from './lease-rules.ts';

/** A hung call only delays a round: the renew deadline is watched apart (replica-leases.ts). */
export class LeaseStore {
  private readonly api: CoordinationV1Api;
  private readonly namespace: string;

  constructor(kc: KubeConfig, namespace: string) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.namespace = namespace;
  }

  /** Every Lease of the replicas in the namespace, by name. */
  async list(): Promise<Map<string, V1Lease>> {
    const list = await this.api.listNamespacedLease({
      namespace: this.namespace,
      labelSelector: LEASE_KIND_LABEL,
    });
    return new Map(list.items.map((l) => [l.metadata?.name ?? '', l]));
  }

  /**
   * Writes `spec` over `current` (create when absent). False when another writer got there
   * first (409), so the caller re-reads before trying again.
   */
  async write(
    name: string,
    kind: LeaseKind,
    current: V1Lease | undefined,
    spec: V1LeaseSpec,
  ): Promise<boolean> {
    try {
      if (!current) {
        await this.api.createNamespacedLease({
          namespace: this.namespace,
          body: { metadata: { name, labels: { [LEASE_KIND_LABEL]: kind } }, spec },
        });
      } else {
        await this.api.replaceNamespacedLease({
          name,
          namespace: this.namespace,
          body: { ...current, spec },
        });
      }
      return true;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.api.deleteNamespacedLease({ name, namespace: this.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** Pure: the fields the rules read, from a Lease object. */
export function leaseRecord(lease: V1Lease | undefined): LeaseRecord | undefined {
  if (!lease) return undefined;
  return {
    holder: lease.spec?.holderIdentity ?? '',
    durationMs: (lease.spec?.leaseDurationSeconds ?? 0) * 1000,
    transitions: lease.spec?.leaseTransitions ?? 0,
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}
