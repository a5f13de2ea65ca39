// GET /containerLogs?follow=true: polls DescribeContainerLog (see follow.ts for the window and
// de-duplication) and streams new lines as they come, until the container has ended (when
// the source can tell), the client goes, or limitBytes is reached. Holds at most one poll's
// answer (maxLogBytes) and the boundary lines; waits for the client to drain before polling
// again, so a slow reader slows the polling instead of filling memory.
import { responseGone, type KubeletResponse } from './server/exchange.ts';
import type { Logger } from 'pino';
import { newLines, nextSinceSeconds, parseTimestampedLines, render, START } from './follow.ts';
import { logFailure, type LogSource, type Reply } from './logs.ts';
import type { LogRequest } from './request.ts';

/** DescribeContainerLog answers at most this many lines per call (logs.ts). */
const ECI_MAX_TAIL = 2000;
/** Consecutive failed polls after which the stream ends (the client may reconnect). */
const MAX_CONSECUTIVE_FAILURES = 5;

export interface FollowSource extends LogSource {
  /** Whether the container still runs; without it, following lasts until the client goes. */
  containerRunning?(q: {
    namespace: string;
    pod: string;
    container: string;
    containerGroupId: string;
  }): Promise<boolean>;
}

/** Where the lines go: the HTTP response in production, an array in tests. */
export interface LogSink {
  /** Called once, after the first poll succeeded: the 200 and its headers. */
  start(): void;
  /** Resolves when the client can take more; false once it has gone. */
  write(text: string): Promise<boolean>;
  isOpen(): boolean;
}

export interface FollowTiming {
  intervalMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export type FollowEnd = 'container-ended' | 'client-gone' | 'limit-bytes' | 'failing';

/**
 * Follows one container's log into `sink`. The first poll's failure is thrown (the caller
 * answers it as an ordinary log error); later failures are retried, then end the stream.
 */
export async function followLog(
  source: FollowSource,
  q: LogRequest & { containerGroupId: string },
  sink: LogSink,
  maxLogBytes: number,
  timing: FollowTiming,
  log: Logger,
): Promise<FollowEnd> {
  const startedAt = timing.now();
  let cursor = START;
  let first = true;
  let sent = 0;
  let failures = 0;
  let lastPoll = false;
  for (;;) {
    const now = timing.now();
    const sinceSeconds = first
      ? q.sinceSeconds
      : nextSinceSeconds(cursor, now, Math.ceil((now - startedAt) / 1000) + 1);
    // tailLines=0 still needs the last line, to know where "new" starts; it is not sent.
    const tail = first ? (q.tail === 0 ? 1 : q.tail) : ECI_MAX_TAIL;
    let content: string;
    try {
      content = await source.readLog({ ...q, timestamps: true, sinceSeconds, tail, limitBytes: maxLogBytes });
      failures = 0;
    } catch (err) {
      if (first) throw err;
      if (++failures >= MAX_CONSECUTIVE_FAILURES) return 'failing';
      log.debug({ err, pod: `${q.namespace}/${q.pod}` }, 'logs -f: poll failed; retrying');
      await timing.sleep(timing.intervalMs);
      continue;
    }
    const next = newLines(cursor, parseTimestampedLines(content));
    cursor = next.cursor;
    let out = first && q.tail === 0 ? '' : render(next.lines, q.timestamps === true);
    if (first) sink.start();
    first = false;
    let limited = false;
    if (q.limitBytes !== undefined) {
      const bytes = Buffer.from(out, 'utf8');
      if (sent + bytes.length >= q.limitBytes) {
        out = bytes.subarray(0, q.limitBytes - sent).toString('utf8');
        limited = true;
      }
      sent += Buffer.byteLength(out, 'utf8');
    }
    if (out && !(await sink.write(out))) return 'client-gone';
    if (limited) return 'limit-bytes';
    if (lastPoll) return 'container-ended';
    if (!sink.isOpen()) return 'client-gone';
    await timing.sleep(timing.intervalMs);
    if (!sink.isOpen()) return 'client-gone';
    // One more poll after the container ended picks up its last lines.
    if (source.containerRunning && !(await source.containerRunning(q))) lastPoll = true;
  }
}

/** A LogSink on an HTTP response: chunked text, back-pressure through 'drain'. */
export function responseSink(res: KubeletResponse): LogSink {
  const open = () => !responseGone(res) && !res.writableEnded;
  return {
    start() {
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
      });
      res.flushHeaders?.();
    },
    write(text) {
      if (!open()) return Promise.resolve(false);
      if (res.write(text)) return Promise.resolve(true);
      // A write refused because the stream just went: 'close' has fired already.
      if (!open()) return Promise.resolve(false);
      return new Promise((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve(open());
        };
        res.on('drain', done);
        res.on('close', done);
      });
    },
    isOpen: open,
  };
}

/** The whole follow request: the reply if it fails before streaming, else undefined once it ended. */
export async function answerFollow(
  source: FollowSource,
  q: LogRequest,
  res: KubeletResponse,
  maxLogBytes: number,
  timing: FollowTiming,
  log: Logger,
): Promise<Reply | undefined> {
  const containerGroupId = source.groupOf(q.namespace, q.pod);
  if (!containerGroupId) {
    return {
      status: 400,
      body: `pod ${q.namespace}/${q.pod} has no container group in ECI on this node (not created yet, or already deleted)`,
    };
  }
  const sink = responseSink(res);
  let end: FollowEnd;
  try {
    end = await followLog(source, { ...q, containerGroupId }, sink, maxLogBytes, timing, log);
  } catch (err) {
    return logFailure(err, q, containerGroupId);
  }
  log.debug({ pod: `${q.namespace}/${q.pod}`, container: q.container, end }, 'logs -f ended');
  if (sink.isOpen()) res.end();
  return undefined;
}
