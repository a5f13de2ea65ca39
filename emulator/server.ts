// The fastify server: every OpenAPI call is verified, counted, subjected to
// injected faults and quotas, routed on (version, action) and answered as JSON.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { EmulatorCore } from './core.ts';
import { ApiError, Errors, errorBody, newRequestId } from './errors.ts';
import type { FaultTable } from './faults.ts';
import type { EmulatorMetrics } from './metrics.ts';
import type { QuotaTable } from './quotas.ts';
import { PVTZ_VERSION, type Router } from './router.ts';
import { NonceStore, verifyRequest } from './signature.ts';
import { ADMIN_PREFIX, registerAdmin } from './admin.ts';

export interface ServerParts {
  core: EmulatorCore;
  router: Router;
  faults: FaultTable;
  quotas: QuotaTable;
  metrics: EmulatorMetrics;
}

function hostId(core: EmulatorCore, version: string): string {
  return version === PVTZ_VERSION ? 'pvtz.aliyuncs.com' : `eci.${core.opts.regionId}.aliyuncs.com`;
}

async function sendError(reply: FastifyReply, err: ApiError, requestId: string, host: string): Promise<void> {
  await reply
    .code(err.httpStatus)
    .header('content-type', 'application/json')
    .send(errorBody(err, requestId, host));
}

/**
 * An injected connection fault: `reset` aborts the TCP connection (RST, ECONNRESET at the
 * client); `hang` keeps it open and silent until the client gives up or the server closes
 * (`forceCloseConnections`).
 */
function dropConnection(req: FastifyRequest, reply: FastifyReply, drop: 'reset' | 'hang'): void {
  reply.hijack();
  if (drop === 'hang') return;
  const socket = req.raw.socket;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

async function handleApi(
  parts: ServerParts,
  nonces: NonceStore,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { core, router, faults, quotas } = parts;
  const requestId = newRequestId();
  const started = performance.now();
  let action = String(req.headers['x-acs-action'] ?? '');
  const versionHeader = String(req.headers['x-acs-version'] ?? '');
  let host = hostId(core, versionHeader);
  try {
    const verified = verifyRequest(
      {
        method: req.method,
        url: req.raw.url ?? '/',
        headers: req.headers,
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      },
      {
        lookupSecret: (ak) => (ak === core.opts.accessKeyId ? core.opts.accessKeySecret : undefined),
        nonces,
        now: core.now(),
        clockSkewMs: core.opts.clockSkewMs,
      },
    );
    host = hostId(core, verified.version);
    action = verified.action;
    core.countCall(action);
    const fault = faults.decide(action);
    if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault.error) throw fault.error;
    if (fault.drop) {
      parts.metrics.observe(
        action,
        fault.drop === 'reset' ? 'ConnectionReset' : 'NoAnswer',
        (performance.now() - started) / 1000,
      );
      dropConnection(req, reply, fault.drop);
      return;
    }
    const handler = router.resolve(verified.version, action);
    if (core.opts.quotas && !quotas.allow(action, core.now())) throw Errors.throttling();
    const body = handler(core, verified.params, {
      requestId,
      host: String(req.headers.host ?? ''),
      tls: req.protocol === 'https',
    });
    core.log.debug({ action, requestId }, 'ok');
    parts.metrics.observe(action, 'OK', (performance.now() - started) / 1000);
    await reply
      .code(200)
      .header('content-type', 'application/json;charset=utf-8')
      .send({ RequestId: requestId, ...body });
  } catch (e) {
    const err = e instanceof ApiError ? e : Errors.internalError();
    parts.metrics.observe(action, err.code, (performance.now() - started) / 1000);
    if (e instanceof ApiError) {
      core.log.debug({ code: e.code, requestId }, 'api error');
      await sendError(reply, e, requestId, host);
      return;
    }
    core.log.error({ err: e, requestId }, 'internal error');
    await sendError(reply, Errors.internalError(), requestId, host);
  }
}

export function buildServer(parts: ServerParts, tls?: { certPem: string; keyPem: string }): FastifyInstance {
  const base = { logger: false, bodyLimit: 8 * 1024 * 1024, forceCloseConnections: true };
  // The HTTPS instance has the same request API; only the listener type differs.
  const app = tls
    ? (Fastify({ ...base, https: { cert: tls.certPem, key: tls.keyPem } }) as unknown as FastifyInstance)
    : Fastify(base);
  // Keep every body raw: the signature covers its exact bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  registerAdmin(app, parts);
  const nonces = new NonceStore();
  const api = (req: FastifyRequest, reply: FastifyReply) => handleApi(parts, nonces, req, reply);
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE'], url: '/', handler: api });
  app.setNotFoundHandler(async (req, reply) => {
    if (req.url.startsWith(ADMIN_PREFIX)) {
      await reply.code(404).send({ error: `no admin route ${req.method} ${req.url}` });
      return;
    }
    // Endpoints with a path prefix (`127.0.0.1:PORT/eci`) still sign '/'.
    await handleApi(parts, nonces, req, reply);
  });
  return app;
}
