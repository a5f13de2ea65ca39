// The action table of CreateContainerGroup, DescribeContainerGroups, DescribeContainerGroupStatus,
// DescribeContainerGroupEvents, DeleteContainerGroup, RestartContainerGroup and
// UpdateContainerGroup; each handler lives in its own module beside this one (group-*.ts).
import { createContainerGroup } from './group-create.ts';
import { deleteContainerGroup } from './group-delete.ts';
import {
  describeContainerGroupEvents,
  describeContainerGroups,
  describeContainerGroupStatus,
} from './group-describe.ts';
import { restartContainerGroup } from './group-restart.ts';
import { updateContainerGroup } from './group-update.ts';
import type { ActionHandler } from './types.ts';

export const containerGroupActions: Record<string, ActionHandler> = {
  CreateContainerGroup: createContainerGroup,
  DescribeContainerGroups: describeContainerGroups,
  DescribeContainerGroupStatus: describeContainerGroupStatus,
  DescribeContainerGroupEvents: describeContainerGroupEvents,
  DeleteContainerGroup: deleteContainerGroup,
  RestartContainerGroup: restartContainerGroup,
  UpdateContainerGroup: updateContainerGroup,
};
