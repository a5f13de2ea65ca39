// The slice of the kubelet API the virtual node serves: container logs, so `kubectl logs`
// works (the API server proxies it to the node's InternalIP and kubelet port), followed too
// (kubelet/follow-stream.ts), and /healthz; with a streaming backend, exec, attach and
// port-forward over SPDY/3.1 (kubelet/streaming/); with `auth`, callers authenticated and
// authorized as the kubelet does it (kubelet/auth/). TLS with a certificate of its own; the
// API server does not verify kubelet certificates unless --kubelet-certificate-authority is set.
// HTTP/2 and HTTP/1.1 by ALPN, as a Go kubelet (kubelet/server/listener.ts says why).
//
// This file puts the port together from kubelet/server/: the listener (TLS, ALPN, every
// connection), admission (the auth gate), the plain requests, the upgrade requests, and the
// limits they share.
//
// Whatever reaches the port, the process survives it: parsing is total (kubelet/request.ts),
// every handler runs inside one try/catch and one promise chain, request, response and server
// errors are handled, and the port is bounded (kubelet/server/limits.ts) so neither a flood nor a
// slow client (slowloris) can exhaust it. A crash here would stop the node's lease renewal,
// and after the lease lapses the node lifecycle controller evicts every pod on the node.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createCertificateAuthority, issueCertificate } from '../shared/x509.ts';
import type { FollowSource } from './kubelet/follow-stream.ts';
import type { StreamingBackend } from './kubelet/streaming/backend.ts';
import { httpAnswer } from './kubelet/streaming/spdy-upgrade.ts';
import { WEBSOCKETS_NODE_FEATURE } from './kubelet/websocket/upgrade.ts';
import type { NodeMetrics } from './kubelet/metrics/node-metrics.ts';
import type { ServingPem } from './kubelet/node-tls.ts';
import type { NodePod } from './kubelet/pods.ts';
import { createKubeletListener } from './kubelet/server/listener.ts';
import { resolveKubeletLimits, type KubeletApiLimits } from './kubelet/server/limits.ts';
import { createAdmission, type KubeletAuthOptions } from './kubelet/server/admission.ts';
import { createPlainRequestHandler } from './kubelet/server/plain-requests.ts';
import { createUpgradeHandler } from './kubelet/server/upgrade-requests.ts';
import { responseGone, type KubeletRequest, type KubeletResponse } from './kubelet/server/exchange.ts';

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
  const admit = createAdmission(o.auth, o.log);

  const handle = createPlainRequestHandler({
    source: o,
    limits,
    log: o.log,
    servesStreaming: o.streaming !== undefined,
    metrics: o.metrics,
    nodePods: o.nodePods,
  });

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
        () => upgrades.handle(req, socket, head),
        (d) => httpAnswer(socket, `${d.status} ${reasons[d.status]}`, d.body),
      );
    } catch (err) {
      o.log.error({ err, url: req.url?.slice(0, 256) }, 'kubelet API: upgrade handler threw');
      socket.destroy();
    }
  };
  const upgrades = createUpgradeHandler({
    streaming: o.streaming,
    streamIdleTimeoutMs: limits.streamIdleTimeoutMs,
    log: o.log,
  });
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
    upgrades: () => upgrades.served(),
    declaredFeatures: o.streaming && o.declareWebSockets !== false ? [WEBSOCKETS_NODE_FEATURE] : [],
    setServing: (pem) => listener.setServing(pem),
    close: () => listener.close(),
  };
}
