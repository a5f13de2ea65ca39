// The webhook's HTTPS server: POST /mutate (AdmissionReview v1 and v1beta1), /healthz,
// /readyz and /metrics. A thin shell over admission.ts: every decision is made there.
import type { Server as HttpsServer } from 'node:https';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../shared/logger.ts';
import type { EciProfile } from '../shared/profile.ts';
import { parseAdmissionReview, review, type AdmissionReview } from './admission.ts';
import type { AnnotationChecker } from './annotation-check.ts';
import { installJsonLimits, MAX_BODY_BYTES } from './body-limits.ts';
import type { ClusterFacts } from './mutate.ts';

export interface WebhookState {
  /**
   * Labels of a namespace; undefined when it cannot be found. A cache hit may answer
   * synchronously: the review is then answered without a promise turn.
   */
  namespaceLabels(name: string | undefined): MaybePromise<Readonly<Record<string, string>> | undefined>;
  profile(): EciProfile;
  facts(): ClusterFacts;
  /** Ready once the profile and namespace caches are synced and a certificate is loaded. */
  ready(): boolean;
  checkAnnotations?: AnnotationChecker;
}

type MaybePromise<T> = T | Promise<T>;

type NamespaceLabels = Readonly<Record<string, string>> | undefined;

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

/** 3 MiB: a review carries the pod once, and the apiserver takes no larger body (body-limits.ts). */
export const DEFAULT_BODY_LIMIT = MAX_BODY_BYTES;

/**
 * The fastify options of the webhook server (shared with the benchmark's bare handler, so
 * the two differ only in the work done per review).
 */
export function fastifyOptions(options: Pick<ServerOptions, 'tls' | 'bodyLimit'>) {
  return {
    // No fastify logger: it would make a child logger and two log lines per request, a
    // large share of a review's cost. Handlers log through `logger` (decisions at debug).
    logger: false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Tell keep-alive clients (the apiserver) to reconnect rather than cut them mid-review on close.
    return503OnClosing: true,
    forceCloseConnections: 'idle' as const,
    ...(options.tls ? { https: { ...options.tls, minVersion: 'TLSv1.2' as const } } : {}),
  };
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function buildServer(options: ServerOptions): FastifyInstance {
  const { logger, registry, state } = options;
  const app = Fastify(fastifyOptions(options)) as unknown as FastifyInstance;

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
  installJsonLimits(app);

  // Every client error (bad or too deep JSON, wrong content type) is a 400 with a message;
  // a body over the limit is a 413.
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      admissions.inc({ decision: 'other', reason: 'invalid', outcome: 'invalid' });
      if (status === 413) {
        return reply.code(413).send({
          error: 'Payload Too Large',
          code: error.code,
          message: `${error.message}: the limit is ${options.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes`,
        });
      }
      return reply.code(400).send({ error: 'Bad Request', code: error.code, message: error.message });
    }
    logger.error({ err: error }, 'admission review failed');
    admissions.inc({ decision: 'other', reason: 'error', outcome: 'error' });
    return reply.code(500).send({ error: 'Internal Server Error', message: error.message });
  });

  const answer = (input: AdmissionReview, labels: NamespaceLabels, started: number, reply: FastifyReply) => {
    const { request: req } = input;
    const outcome = review(input, {
      namespaceLabels: labels,
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
    // Serialized here, as one string: fastify's serializer lookup and hooks cost more than this.
    const body = JSON.stringify(outcome.review);
    latency.observe((performance.now() - started) / 1000);
    // Logged before the answer leaves, so the line is out before the apiserver goes on.
    if (decision && logger.isLevelEnabled('debug')) {
      const meta = req.object?.metadata as { name?: string; generateName?: string } | undefined;
      logger.debug(
        {
          uid: req.uid,
          apiVersion: input.apiVersion,
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
    reply.type(JSON_CONTENT_TYPE).send(body);
  };

  // Not an async handler: with the namespace in the cache the whole review is answered in
  // one synchronous call, without promise turns.
  app.post('/mutate', (request, reply) => {
    const started = performance.now();
    const parsed = parseAdmissionReview(request.body);
    if (!parsed.ok) {
      admissions.inc({ decision: 'other', reason: 'invalid', outcome: 'invalid' });
      reply.code(400).send({ error: 'Bad Request', message: parsed.message });
      return;
    }
    const { request: req } = parsed.review;
    const objectNamespace = (req.object?.metadata as { namespace?: string } | undefined)?.namespace;
    const labels = state.namespaceLabels(req.namespace ?? objectNamespace);
    if (labels instanceof Promise) {
      return labels.then((resolved) => answer(parsed.review, resolved, started, reply));
    }
    answer(parsed.review, labels, started, reply);
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
