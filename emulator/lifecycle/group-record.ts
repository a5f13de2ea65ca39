// The two writes every transition makes to a group's record: an event (a repeat counts up,
// the list stays bounded) and the status (a terminal one stamps terminalAt).
import { TERMINAL, type ContainerGroup, type EventRecord, type GroupStatus } from '../model.ts';

export function addEvent(
  g: ContainerGroup,
  at: number,
  type: EventRecord['type'],
  reason: string,
  message: string,
  object = '',
): void {
  const same = g.events.find((e) => e.reason === reason && e.message === message && e.object === object);
  if (same) {
    same.count++;
    same.last = at;
  } else {
    g.eventSeq++;
    g.events.push({
      name: `${g.name}.${(0x17b4a000 + g.eventSeq).toString(16)}`,
      type,
      reason,
      message,
      object,
      count: 1,
      first: at,
      last: at,
    });
    // Keep the list bounded like the real service (a crash-looping container would grow it forever).
    if (g.events.length > 200) g.events.splice(0, g.events.length - 200);
  }
}

export function setStatus(g: ContainerGroup, status: GroupStatus, at: number): void {
  g.status = status;
  g.updatedAt = at;
  if (TERMINAL.has(status)) {
    g.terminalAt = at;
    g.phaseEndsAt = undefined;
  }
}
