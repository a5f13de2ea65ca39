// The plain (not upgraded) requests of the kubelet port, HTTP/1.1 or HTTP/2: /healthz, /pods,
// /runningpods/, the metrics paths, and container logs, snapshot or followed, each kind
// bounded by its own count of requests in flight (429 beyond it).
import type { Logger } from 'pino';
import { answerFollow, type FollowSource } from '../follow-stream.ts';
import { answerLogs, type Reply } from '../logs.ts';
import type { NodeMetrics } from '../metrics/node-metrics.ts';
import { podsList, runningPodsList, type NodePod } from '../pods.ts';
import { routeRequest, type LogRequest } from '../request.ts';
import { routeStreaming } from '../streaming/route.ts';
import {
  hasBody,
  holdIdleTimeout,
  isHttp1,
  responseGone,
  type KubeletRequest,
  type KubeletResponse,
} from './exchange.ts';
import type { KubeletApiLimits } from './limits.ts';

interface PlainRequestOptions {
  /** Where logs are read. */
  source: FollowSource;
  limits: KubeletApiLimits;
  log: Logger;
  /** exec/attach/port-forward are served (by upgrade): a plain request there is a 400, not a 404. */
  servesStreaming: boolean;
  metrics?: NodeMetrics;
  nodePods?: () => NodePod[];
}

/** Seconds a client told 429 should wait. */
const THROTTLE_RETRY_AFTER_S = 1;

/** The handler of one admitted plain request; it writes exactly one answer (or streams a log). */
export function createPlainRequestHandler(
  o: PlainRequestOptions,
): (req: KubeletRequest, res: KubeletResponse) => void {
  const { limits } = o;
  let inFlight = 0;
  let following = 0;

  const handle = (req: KubeletRequest, res: KubeletResponse): void => {
    const send = (reply: Reply): void => {
      if (res.headersSent || responseGone(res)) return;
      const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
      res.writeHead(reply.status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': String(body.length),
        'x-content-type-options': 'nosniff',
        ...reply.headers,
      });
      res.end(body);
    };
    if (hasBody(req)) {
      // Nothing here takes a body; do not read one.
      return send({
        status: 413,
        body: 'request bodies are not accepted',
        headers: isHttp1(req) ? { connection: 'close' } : {},
      });
    }
    if (o.servesStreaming && routeStreaming(req.url ?? '').kind !== 'not-streaming') {
      // The kubelet's answer to a plain request on a streaming path.
      return send({ status: 400, body: 'Upgrade request required' });
    }
    const metricsReply = o.metrics?.answer(req.method ?? 'GET', req.url ?? '');
    if (metricsReply) return void metricsReply.then(send).catch(() => res.destroy());
    const route = routeRequest(req.url ?? '');
    if (route.kind === 'not-found')
      return send({ status: 404, body: 'not supported by the ECI virtual node' });
    if (route.kind === 'bad-request') return send({ status: 400, body: route.message });
    if (req.method !== 'GET') {
      return send({
        status: 405,
        body: `${req.method} is not allowed here; use GET`,
        headers: { allow: 'GET' },
      });
    }
    if (route.kind === 'healthz') return send({ status: 200, body: 'ok' });
    if (route.kind === 'pods' || route.kind === 'runningpods') {
      const pods = o.nodePods?.() ?? [];
      const list = route.kind === 'pods' ? podsList(pods) : runningPodsList(pods);
      return send({
        status: 200,
        body: JSON.stringify(list),
        headers: { 'content-type': 'application/json' },
      });
    }
    // A previous (ended) container has nothing more to follow: answered as a snapshot.
    if (route.request.follow && !route.request.previous) return follow(route.request, req, res, send);

    if (inFlight >= limits.maxInFlight) {
      return send({
        status: 429,
        body: `too many log requests in flight (${limits.maxInFlight}); retry shortly`,
        headers: { 'retry-after': String(THROTTLE_RETRY_AFTER_S) },
      });
    }
    inFlight++;
    let settled = false;
    let closed = false;
    const release = () => {
      if (settled && closed) inFlight--;
    };
    res.once('close', () => {
      closed = true;
      release();
    });
    answerLogs(o.source, route.request, route.empty, limits.maxLogBytes)
      .then(send, (err: unknown) => {
        o.log.error({ err }, 'kubelet API: log request failed unexpectedly');
        send({ status: 500, body: 'internal error while reading the log' });
      })
      .catch((err: unknown) => {
        // Writing the reply failed: nothing more can be said on this connection.
        o.log.debug({ err }, 'kubelet API: could not write the log reply');
        res.destroy();
      })
      .finally(() => {
        settled = true;
        release();
      });
  };

  const follow = (
    q: LogRequest,
    req: KubeletRequest,
    res: KubeletResponse,
    send: (r: Reply) => void,
  ): void => {
    if (following >= limits.maxFollowing) {
      return send({
        status: 429,
        body: `too many followed logs (${limits.maxFollowing}); retry shortly`,
        headers: { 'retry-after': String(THROTTLE_RETRY_AFTER_S) },
      });
    }
    following++;
    // A followed log may be quiet for long; the idle timeout would cut it.
    const releaseIdleTimeout = holdIdleTimeout(req, limits.idleTimeoutMs);
    const timing = {
      intervalMs: limits.followPollMs,
      now: Date.now,
      sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    };
    answerFollow(o.source, q, res, limits.maxLogBytes, timing, o.log)
      .then((reply) => reply && send(reply))
      .catch((err: unknown) => {
        o.log.error({ err }, 'kubelet API: followed log failed unexpectedly');
        res.destroy();
      })
      .finally(() => {
        following--;
        releaseIdleTimeout();
      });
  };

  return handle;
}
