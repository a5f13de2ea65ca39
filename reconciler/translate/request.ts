// The CreateContainerGroup request while it is being built: plain data with the
// SDK's property names, turned into the SDK model once at the end of translatePod.
import type { CreateContainerGroupRequest } from '@alicloud/eci20180808';

type Scalar = string | number | boolean;
/** The data fields of an SDK model class, nested models included, without its methods or index signature. */
type ModelFields<T> = T extends Scalar
  ? T
  : T extends ReadonlyArray<infer U>
    ? ModelFields<U>[]
    : T extends object
      ? {
          [
            K in keyof T as string extends K ? never : T[K] extends (...args: never[]) => unknown ? never : K
          ]?: ModelFields<NonNullable<T[K]>>;
        }
      : T;

/** A CreateContainerGroup request being built: plain data with the SDK's property names. */
export type EciRequestFields = ModelFields<CreateContainerGroupRequest>;

/** Merges DNS settings the way kubelet merges pod dnsConfig: servers and searches appended, options by name. */
export function mergeDnsConfig(
  request: EciRequestFields,
  add: { nameServer?: string[]; search?: string[]; option?: Array<{ name?: string; value?: string }> },
): void {
  const dns = (request.dnsConfig ??= {});
  const uniq = (xs: string[]) => [...new Set(xs)];
  if (add.nameServer?.length) dns.nameServer = uniq([...(dns.nameServer ?? []), ...add.nameServer]);
  if (add.search?.length) dns.search = uniq([...(dns.search ?? []), ...add.search]);
  if (add.option?.length) {
    const options = [...(dns.option ?? [])];
    for (const o of add.option) {
      const i = options.findIndex((x) => x.name === o.name);
      if (i >= 0) options[i] = o;
      else options.push(o);
    }
    dns.option = options;
  }
}
