// The slice of the kubelet API the virtual node serves: container logs, so `kubectl logs`
// works (the API server proxies it to the node's InternalIP and kubelet port). Exec,
// attach and port-forward are not served. TLS with a certificate of its own; the API
// server does not verify kubelet certificates unless --kubelet-certificate-authority is set.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createCertificateAuthority, issueCertificate } from '../shared/x509.ts';
import { classifyEciError, describeEciError } from '../shared/errors.ts';

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  tail?: number;
  sinceSeconds?: number;
  limitBytes?: number;
  timestamps?: boolean;
  previous?: boolean;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function positive(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

/** Pure: GET /containerLogs/<ns>/<pod>/<container>?tailLines=&sinceSeconds=&limitBytes=&timestamps=&previous= */
export function parseLogRequest(url: string): LogRequest | undefined {
  const parsed = new URL(url, 'https://kubelet');
  const parts = parsed.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length !== 4 || parts[0] !== 'containerLogs') return undefined;
  const [, namespace, pod, container] = parts as [string, string, string, string];
  if (![namespace, pod, container].every((p) => NAME.test(p))) return undefined;
  const q = parsed.searchParams;
  return {
    namespace,
    pod,
    container,
    tail: positive(q.get('tailLines')),
    sinceSeconds: positive(q.get('sinceSeconds')),
    limitBytes: positive(q.get('limitBytes')),
    timestamps: q.get('timestamps') === 'true' ? true : undefined,
    previous: q.get('previous') === 'true' ? true : undefined,
  };
}

export interface KubeletApiOptions {
  host: string;
  port: number;
  nodeIp: string;
  log: Logger;
  /** The container group of a pod bound to this process's nodes. */
  groupOf(namespace: string, pod: string): string | undefined;
  readLog(q: LogRequest & { containerGroupId: string }): Promise<string>;
}

export async function startKubeletApi(
  o: KubeletApiOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const ca = await createCertificateAuthority('eci-virtual-node-kubelet-ca', 365);
  const serving = await issueCertificate(ca, {
    commonName: o.nodeIp,
    ipAddresses: [...new Set([o.nodeIp, '127.0.0.1'])],
    usage: 'server',
    validityDays: 365,
  });
  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, 'method not allowed');
    if (req.url === '/healthz') return send(200, 'ok');
    const q = parseLogRequest(req.url ?? '/');
    if (!q) return send(404, 'not supported by the ECI virtual node');
    const id = o.groupOf(q.namespace, q.pod);
    if (!id) return send(404, `pod ${q.namespace}/${q.pod} has no container group on this node`);
    o.readLog({ ...q, containerGroupId: id }).then(
      (content) => send(200, content),
      (err: unknown) => {
        const e = classifyEciError(err);
        send(e.category === 'not-found' ? 404 : 502, `DescribeContainerLog failed: ${describeEciError(e)}`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  o.log.info({ port }, 'kubelet API (container logs) listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
