// The CreateContainerGroup request while it is being built: plain data with the
// SDK's property names, turned into the request model once at the end of translatePod.
// The model is the SDK's plus what ECI documents and @alicloud/eci20180808 2.0.3 lacks
// (docs/eci-api.md, "Fields the SDK lacks"); reconciler/provider/rpc-call.ts sends it.
import * as $Eci from '@alicloud/eci20180808';

/**
 * The SDK's container plus ECI's `Container.N.SecurityContextPrivileged` (boolean, default
 * false: CreateContainerGroup's parameter list, and the container security context of
 * https://www.alibabacloud.com/help/en/eci/user-guide/configure-a-security-context-for-an-elastic-container-instance-or-a-container).
 * ECI has no such field for init containers.
 */
export class EciContainer extends $Eci.CreateContainerGroupRequestContainer {
  // `declare`: a class field would be re-initialised to undefined after the Model's constructor set it.
  declare securityContextPrivileged?: boolean;

  static override names(): Record<string, string> {
    return { ...super.names(), securityContextPrivileged: 'SecurityContextPrivileged' };
  }

  static override types(): Record<string, unknown> {
    return { ...super.types(), securityContextPrivileged: 'boolean' };
  }
}

/** The SDK's CreateContainerGroupRequest whose containers are EciContainer models. */
export class EciCreateRequest extends $Eci.CreateContainerGroupRequest {
  declare container?: EciContainer[];

  static override types(): Record<string, unknown> {
    return { ...super.types(), container: { type: 'array', itemType: EciContainer } };
  }
}

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

/** A CreateContainerGroup request being built: plain data with the request model's property names. */
export type EciRequestFields = ModelFields<EciCreateRequest>;

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
