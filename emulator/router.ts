// (x-acs-version, x-acs-action) → handler. ECI is 2018-08-08, PrivateZone
// 2018-01-01; both products have actions of the same name (DescribeRegions).
import { Errors } from './errors.ts';
import type { ActionHandler } from './actions/types.ts';

export const ECI_VERSION = '2018-08-08';
export const PVTZ_VERSION = '2018-01-01';

/** Actions named in ack-virtual-node's RAM policy that ECI has retired. */
export const RETIRED_ECI_ACTIONS = [
  'CreateContainerGroupFromTemplate',
  'UpdateContainerGroupByTemplate',
  'ExportContainerGroupTemplate',
];

export class Router {
  private readonly table = new Map<string, ActionHandler>();

  register(version: string, actions: Record<string, ActionHandler>): this {
    for (const [name, h] of Object.entries(actions)) this.table.set(`${version}\n${name}`, h);
    return this;
  }

  /** The handler, or the error the gateway answers for an unknown or retired action. */
  resolve(version: string, action: string): ActionHandler {
    if (!action) throw Errors.missingParameter('Action');
    if (!version) throw Errors.missingParameter('Version');
    const h = this.table.get(`${version}\n${action}`);
    if (!h) throw Errors.actionNotFound(action, version);
    return h;
  }

  actions(): string[] {
    return [...this.table.keys()].map((k) => k.split('\n')[1] as string);
  }
}
