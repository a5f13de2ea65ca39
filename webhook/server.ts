// The webhook's HTTPS server: POST /mutate (AdmissionReview v1 and v1beta1), /healthz,
// /readyz and /metrics. A thin shell over admission.ts: every decision is made there.
import type { Server as HttpsServer } from 'node:https';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../shared/logger.ts';
import type { EciProfile } from '../shared/profile.ts';
import { parseAdmissionReview, review, type AnnotationChecker } from './admission.ts';
import type { ClusterFacts } from './mutate.ts';

export interface WebhookState {
  /** Labels of a namespace; undefined when it cannot be found. */
  namespaceLabels(name: string | undefined): Promise<Readonly<Record<string, string>> | undefined>;
  profile(): EciProfile;
  facts(): ClusterFacts;
  /** Ready once the profile and namespace caches are synced and a certificate is loaded. */
  ready(): boolean;
  checkAnnotations?: AnnotationChecker;
}

export interface TlsMaterial {
  cert: string;
  key: string;
}

export interface ServerOptions {
  logger: Logger;
  registry: Registry;
  state: WebhookState;
  /** Without it the server speaks plain HTTP (only for inject() tests). */
  tls?: TlsMaterial;
  bodyLimit?: number;
}

/** Pods are limited by etcd to ~1.5 MiB; a review carries the object once, plus a little. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

export function buildServer(options: ServerOptions): FastifyInstance {
  const { logger, registry, state } = options;
  const app = Fastify({
    // No fastify logger: it would make a child logger and two log lines per request, a
    // large share of a review's cost. Handlers log through `logger` (decisions at debug).
    logger: false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Tell keep-alive clients (the apiserver) to reconnect rather than cut them mid-review on close.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ...(options.tls ? { https: { ...options.tls, minVersion: 'TLSv1.2' as const } } : {}),
  }) as unknown as FastifyInstance;

  const admissions = new Counter({
    name: 'eci_webhook_admissions_total',
    help: 'Admission reviews by decision (eci, skip, other for non-pod requests), reason (rule) and outcome',
    labelNames: ['decision', 'reason', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'eci_webhook_admission_duration_seconds',
    help: 'Time to answer one admission review, from parsed body to response',
    buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [registry],
  });

  // The apiserver sends application/json; anything else is refused with a clear message.
  app.removeContentTypeParser('text/plain');

  // Every client error (bad JSON, wrong content type, too large) is a 400 with a message.
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      admissions.inc({ decision: 'other', reason: 'invalid', outcome: 'invalid' });
      return reply.code(400).send({ error: 'Bad Request', code: error.code, message: error.message });
    }
    logger.error({ err: error }, 'admission review failed');
    admissions.inc({ decision: 'other', reason: 'error', outcome: 'error' });
    return reply.code(500).send({ error: 'Internal Server Error', message: error.message });
  });

  app.post('/mutate', async (request, reply) => {
    const started = process.hrtime.bigint();
    const parsed = parseAdmissionReview(request.body);
    if (!parsed.ok) {
      admissions.inc({ decision: 'other', reason: 'invalid', outcome: 'invalid' });
      return reply.code(400).send({ error: 'Bad Request', message: parsed.message });
    }
    const { request: req } = parsed.review;
    const objectNamespace = (req.object?.metadata as { namespace?: string } | undefined)?.namespace;
    const outcome = review(parsed.review, {
      namespaceLabels: await state.namespaceLabels(req.namespace ?? objectNamespace),
      profile: state.profile(),
      facts: state.facts(),
      checkAnnotations: state.checkAnnotations,
    });
    const decision = outcome.decision;
    admissions.inc({
      decision: decision === undefined ? 'other' : decision.eci ? 'eci' : 'skip',
      reason: decision?.rule ?? 'not-a-pod-create',
      outcome: outcome.patch.length > 0 ? 'patched' : 'unchanged',
    });
    latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (decision) {
      const meta = req.object?.metadata as { name?: string; generateName?: string } | undefined;
      logger.debug(
        {
          uid: req.uid,
          apiVersion: parsed.review.apiVersion,
          namespace: req.namespace,
          pod: meta?.name || meta?.generateName,
          eci: decision.eci,
          reason: decision.reason,
          ops: outcome.patch.length,
          dryRun: req.dryRun,
        },
        'admission decision',
      );
    }
    return reply.send(outcome.review);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) =>
    state.ready() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' }),
  );
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return app;
}

/** Swaps the serving certificate without dropping the listener (rotation, --cert-dir reload). */
export function setServingCertificate(app: FastifyInstance, tls: TlsMaterial): void {
  (app.server as unknown as HttpsServer).setSecureContext({ ...tls, minVersion: 'TLSv1.2' });
}
