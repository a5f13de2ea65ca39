// Status and condition messages are bounded like Event messages: the API server refuses
// an Event note over 1024 bytes (NoteLengthLimit in kubernetes
// pkg/apis/core/validation/events.go), and kube-scheduler cuts its PodScheduled
// condition messages to that limit with a " ..." suffix (truncateMessage in
// pkg/scheduler/schedule_one.go). An ECI error text copied into a pod status gets the same.

/** The most bytes (UTF-8) a status or condition message keeps. */
export const MAX_MESSAGE_BYTES = 1024;

const SUFFIX = ' ...';

/** The message cut to MAX_MESSAGE_BYTES of UTF-8 (never inside a character), ending in " ...". */
export function boundedMessage(message: string): string;
export function boundedMessage(message: string | undefined): string | undefined;
export function boundedMessage(message: string | undefined): string | undefined {
  if (message === undefined || Buffer.byteLength(message) <= MAX_MESSAGE_BYTES) return message;
  const budget = MAX_MESSAGE_BYTES - SUFFIX.length;
  let bytes = 0;
  let end = 0;
  for (const ch of message) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > budget) break;
    bytes += size;
    end += ch.length;
  }
  return message.slice(0, end) + SUFFIX;
}
