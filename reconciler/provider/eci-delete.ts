// DeleteContainerGroup with ECI's `Force` parameter. ECI documents it (boolean, default false:
// the group is cleaned up after its graceful termination; true: without waiting for it),
// https://www.alibabacloud.com/help/en/eci/developer-reference/api-eci-2018-08-08-deletecontainergroup
// but @alicloud/eci20180808 2.0.3 has no field for it, so a forced delete is sent with this
// request model through rpc-call.ts (docs/eci-api.md, "Deleting a group").
import * as $Eci from '@alicloud/eci20180808';

/** The SDK's DeleteContainerGroupRequest plus ECI's documented `Force`. */
export class ForceDeleteContainerGroupRequest extends $Eci.DeleteContainerGroupRequest {
  // `declare`: a class field would be re-initialised to undefined after the Model's constructor set it.
  declare force?: boolean;

  static override names(): Record<string, string> {
    return { ...super.names(), force: 'Force' };
  }

  static override types(): Record<string, unknown> {
    return { ...super.types(), force: 'boolean' };
  }
}
