// RestartContainerGroup: a Running group's containers stop and start over
// (lifecycle/operations.ts). Its request, a group id, is the one DeleteContainerGroup extends.
import { z } from 'zod';
import { Errors } from '../errors.ts';
import { beginRestart, canRestart } from '../lifecycle/operations.ts';
import { parseParams, unflatten } from '../params.ts';
import { str } from '../wire.ts';
import type { ActionHandler } from './types.ts';

export const idSchema = z
  .object({ RegionId: str.optional(), ContainerGroupId: z.string().min(1), ClientToken: str.optional() })
  .catchall(z.unknown());

export const restartContainerGroup: ActionHandler = (core, params) => {
  const p = parseParams(idSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  return core.idempotent('RestartContainerGroup', p.ClientToken, params, () => {
    const g = core.group(p.ContainerGroupId);
    if (!canRestart(g)) throw Errors.incorrectStatus(g.status);
    beginRestart(g, core.now(), core.opts.timing);
    core.changed();
    return {};
  });
};
