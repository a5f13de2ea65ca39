// The slice of the kubelet API the virtual node serves: container logs, so `kubectl logs`
// works (the API server proxies it to the node's InternalIP and kubelet port), followed too
// (kubelet/follow-stream.ts), and /healthz; with a streaming backend, exec, attach and
// port-forward over SPDY/3.1 (kubelet/streaming/); with `auth`, callers authenticated and
// authorized as the kubelet does it (kubelet/auth/). TLS with a certificate of its own; the
// API server does not verify kubelet certificates unless --kubelet-certificate-authority is set.
// HTTP/2 and HTTP/1.1 by ALPN, as a Go kubelet (kubelet/server/listener.ts says why).
//
// Whatever reaches the port, the process survives it: parsing is total (kubelet/request.ts),
// every handler runs inside one try/catch and one promise chain, request, response and server
// errors are handled, and the port is bounded (kubelet/server/limits.ts) so neither a flood nor a
// slow client (slowloris) can exhaust it. A crash here would stop the node's lease renewal,
// and after the lease lapses the node lifecycle controller evicts every pod on the node.
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createCertificateAuthority, issueCertificate } from '../shared/x509.ts';
import { answerLogs, type Reply } from './kubelet/logs.ts';
import { answerFollow, type FollowSource } from './kubelet/follow-stream.ts';
import { routeRequest, type LogRequest } from './kubelet/request.ts';
import type { StreamingBackend } from './kubelet/streaming/backend.ts';
import { routeStreaming } from './kubelet/streaming/route.ts';
import { httpAnswer } from './kubelet/streaming/spdy-upgrade.ts';
import { serveStreamingUpgrade, upgradeTransport, UpgradeCounter } from './kubelet/streaming/upgrades.ts';
import { WEBSOCKETS_NODE_FEATURE } from './kubelet/websocket/upgrade.ts';
import type { NodeMetrics } from './kubelet/metrics/node-metrics.ts';
import type { ServingPem } from './kubelet/node-tls.ts';
import { podsList, runningPodsList, type NodePod } from './kubelet/pods.ts';
import { createKubeletListener } from './kubelet/server/listener.ts';
import { resolveKubeletLimits, type KubeletApiLimits } from './kubelet/server/limits.ts';
import { createAdmission, type KubeletAuthOptions } from './kubelet/server/admission.ts';
import {
  hasBody,
  holdIdleTimeout,
  isHttp1,
  responseGone,
  type KubeletRequest,
  type KubeletResponse,
} from './kubelet/server/exchange.ts';

export { parseLogRequest, type LogRequest } from './kubelet/request.ts';

export interface KubeletApiOptions extends FollowSource {
  host: string;
  port: number;
  nodeIp: string;
  log: Logger;
  limits?: Partial<KubeletApiLimits>;
  /** Runs exec/attach/port-forward; without it those paths answer 404 as before. */
  streaming?: StreamingBackend;
  /** With `streaming`, offer ExtendWebSocketsToKubelet for the node to declare (default true). */
  declareWebSockets?: boolean;
  /** Authenticate and authorize callers as the kubelet does; without it anyone may call. */
  auth?: KubeletAuthOptions;
  /** /stats/summary, /metrics/resource and /metrics (kubelet/metrics/); without it they answer 404. */
  metrics?: NodeMetrics;
  /** The pods bound to the node(s) served here, for /pods and /runningpods/. */
  nodePods?: () => NodePod[];
  /** The serving certificate; without it a self-signed one (API servers that verify kubelets refuse it). */
  serving?: ServingPem;
}

const THROTTLE_RETRY_AFTER_S = 1;
async function selfSignedServing(nodeIp: string, log: Logger): Promise<ServingPem> {
  log.warn(
    'kubelet API: no --tls-cert-file; serving a self-signed certificate, which an API server started with --kubelet-certificate-authority refuses (docs/security.md)',
  );
  const ca = await createCertificateAuthority('eci-virtual-node-kubelet-ca', 365);
  return issueCertificate(ca, {
    commonName: nodeIp,
    ipAddresses: [...new Set([nodeIp, '127.0.0.1'])],
    usage: 'server',
    validityDays: 365,
  });
}

export async function startKubeletApi(o: KubeletApiOptions): Promise<{
  port: number;
  close(): Promise<void>;
  /** Streaming upgrades served, per transport and protocol. */
  upgrades(): Record<string, number>;
  /** What the node may put in status.declaredFeatures for this port. */
  declaredFeatures: string[];
  /** Serves a renewed certificate to new connections (the files were rotated). */
  setServing(pem: ServingPem): void;
}> {
  const limits = resolveKubeletLimits(o.limits);
  const serving = o.serving ?? (await selfSignedServing(o.nodeIp, o.log));
  let inFlight = 0;
  let following = 0;
  const admit = createAdmission(o.auth, o.log);

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
    if (o.streaming && routeStreaming(req.url ?? '').kind !== 'not-streaming') {
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
    answerLogs(o, route.request, route.empty, limits.maxLogBytes)
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
    answerFollow(o, q, res, limits.maxLogBytes, timing, o.log)
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

  const onRequest = (req: KubeletRequest, res: KubeletResponse): void => {
    req.on('error', (err) => o.log.debug({ err }, 'kubelet API: request error'));
    o.metrics?.observe(req, res);
    res.on('error', (err) => o.log.debug({ err }, 'kubelet API: response error'));
    try {
      admit(
        req,
        () => handle(req, res),
        (d) => {
          if (res.headersSent || responseGone(res)) return;
          res.writeHead(d.status, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(d.body);
        },
      );
    } catch (err) {
      o.log.error({ err, url: req.url?.slice(0, 256) }, 'kubelet API: handler threw');
      if (!res.headersSent && !responseGone(res)) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('internal error');
      } else res.destroy();
    }
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    o.metrics?.observeUpgrade(req);
    try {
      const reasons = { 401: 'Unauthorized', 403: 'Forbidden', 500: 'Internal Server Error' } as const;
      admit(
        req,
        () => handleUpgrade(req, socket, head),
        (d) => httpAnswer(socket, `${d.status} ${reasons[d.status]}`, d.body),
      );
    } catch (err) {
      o.log.error({ err, url: req.url?.slice(0, 256) }, 'kubelet API: upgrade handler threw');
      socket.destroy();
    }
  };
  const upgrades = new UpgradeCounter();
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const route = o.streaming ? routeStreaming(req.url ?? '') : ({ kind: 'not-streaming' } as const);
    const refuse = (status: string, body: string) => httpAnswer(socket, status, body);
    if (route.kind === 'not-streaming')
      return refuse('404 Not Found', 'not supported by the ECI virtual node');
    if (route.kind === 'bad-request') return refuse('400 Bad Request', route.message);
    if (req.method !== 'GET' && req.method !== 'POST')
      return refuse('405 Method Not Allowed', 'use GET or POST');
    const transport = upgradeTransport(req);
    if (!transport)
      return refuse('400 Bad Request', 'only the SPDY/3.1 and WebSocket upgrades are served here');
    if (socket instanceof Socket) {
      socket.setTimeout(limits.streamIdleTimeoutMs, () => socket.destroy());
      socket.setKeepAlive(true, 30_000);
    }
    serveStreamingUpgrade(transport, req, socket, head, route, o.streaming!, o.log, upgrades);
  };
  const listener = createKubeletListener({
    serving,
    clientCaPem: o.auth?.clientCaPem,
    limits,
    log: o.log,
    onRequest,
    onUpgrade,
  });
  const port = await listener.listen(o.port, o.host);
  o.log.info({ port, limits }, 'kubelet API listening');
  return {
    port,
    upgrades: () => upgrades.snapshot(),
    declaredFeatures: o.streaming && o.declareWebSockets !== false ? [WEBSOCKETS_NODE_FEATURE] : [],
    setServing: (pem) => listener.setServing(pem),
    close: () => listener.close(),
  };
}
