// The end of Pending: the images are pulled (a failing pull keeps the group Pending while the
// kubelet alternates ErrImagePull and ImagePullBackOff), then the containers start.
import type { TimingOptions } from '../options.ts';
import type { ContainerGroup, ContainerRuntime } from '../model.ts';
import { IMAGE_PULL_FAILURE_MARKER } from '../process/image-table.ts';
import { emptyState, specOf } from './container-state.ts';
import { addEvent } from './group-record.ts';
import { startMainContainers, startNextInit } from './launch-order.ts';

function imagePullFails(g: ContainerGroup): ContainerRuntime[] {
  return [...g.initContainers, ...g.containers].filter((c) =>
    specOf(g, c).Image.includes(IMAGE_PULL_FAILURE_MARKER),
  );
}

export function onPendingEnd(g: ContainerGroup, at: number, timing: TimingOptions): void {
  g.phaseEndsAt = undefined;
  const failing = imagePullFails(g);
  const retrying = failing.some(
    (c) => c.current.reason === 'ErrImagePull' || c.current.reason === 'ImagePullBackOff',
  );
  if (!retrying) {
    for (const c of [...g.initContainers, ...g.containers]) {
      const image = specOf(g, c).Image;
      addEvent(g, at, 'Normal', 'Pulling', `Pulling image "${image}"`, c.name);
      if (!failing.includes(c))
        addEvent(g, at, 'Normal', 'Pulled', `Successfully pulled image "${image}"`, c.name);
    }
  }
  if (failing.length > 0) {
    // The group stays Pending while the kubelet alternates ErrImagePull and
    // ImagePullBackOff, backing off like a crash loop.
    let attempts = 0;
    for (const c of failing) {
      const image = specOf(g, c).Image;
      c.pullAttempts = (c.pullAttempts ?? 0) + 1;
      attempts = Math.max(attempts, c.pullAttempts);
      if (c.current.reason === 'ErrImagePull') {
        c.current = {
          ...emptyState(),
          state: 'Waiting',
          reason: 'ImagePullBackOff',
          detailStatus: 'ImagePullBackOff',
          message: `Back-off pulling image "${image}"`,
        };
        addEvent(g, at, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, c.name);
        addEvent(g, at, 'Warning', 'Failed', 'Error: ImagePullBackOff', c.name);
      } else {
        if (retrying) addEvent(g, at, 'Normal', 'Pulling', `Pulling image "${image}"`, c.name);
        c.current = {
          ...emptyState(),
          state: 'Waiting',
          reason: 'ErrImagePull',
          detailStatus: 'ErrImagePull',
          message: `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`,
        };
        addEvent(g, at, 'Warning', 'Failed', `Failed to pull image "${image}": not found`, c.name);
        addEvent(g, at, 'Warning', 'Failed', 'Error: ErrImagePull', c.name);
      }
    }
    g.phaseEndsAt =
      at +
      Math.min(
        timing.restartBackoffMaxMs,
        timing.restartBackoffMs * 2 ** Math.min(Math.floor(attempts / 2), 20),
      );
    g.updatedAt = at;
    return;
  }
  if (g.initContainers.length > 0) {
    for (const c of g.containers) {
      c.current = {
        ...emptyState(),
        state: 'Waiting',
        reason: 'PodInitializing',
        detailStatus: 'PodInitializing',
      };
    }
    startNextInit(g, at, timing);
  } else {
    startMainContainers(g, at, timing);
  }
}
