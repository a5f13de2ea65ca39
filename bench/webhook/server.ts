// One benchmark server in its own process (so client and server do not share an event
// loop): `eci` is the real webhook server; `bare` is fastify over the same TLS answering
// the same AdmissionReview bytes without doing any work. Prints {"port","caPem"}.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createCertificateAuthority, issueCertificate } from '../../shared/x509.ts';
import { checkEciAnnotations } from '../../shared/annotations.ts';
import { buildServer, fastifyOptions } from '../../webhook/server.ts';
import { parseAdmissionReview, review } from '../../webhook/admission.ts';
import { memoizeChecker } from '../../webhook/annotation-check.ts';
import { FACTS, NAMESPACE_LABELS, PROFILE, REVIEW } from './fixtures.ts';

const mode = process.argv[2];
if (mode !== 'eci' && mode !== 'bare') throw new Error('usage: server.ts eci|bare');

const ca = await createCertificateAuthority('bench-ca', 1);
const leaf = await issueCertificate(ca, {
  commonName: '127.0.0.1',
  ipAddresses: ['127.0.0.1'],
  usage: 'server',
});
const tls = { cert: leaf.certPem, key: leaf.keyPem };

let app: FastifyInstance;
if (mode === 'eci') {
  app = buildServer({
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    tls,
    state: {
      namespaceLabels: () => NAMESPACE_LABELS, // a cache hit, answered synchronously as in webhook/cluster.ts
      profile: () => PROFILE,
      facts: () => FACTS,
      ready: () => true,
      checkAnnotations: memoizeChecker(checkEciAnnotations), // as webhook/main.ts
    },
  });
} else {
  // The same response bytes the webhook produces, computed once.
  const parsed = parseAdmissionReview(REVIEW);
  if (!parsed.ok) throw new Error(parsed.message);
  const fixed = JSON.stringify(
    review(parsed.review, {
      namespaceLabels: NAMESPACE_LABELS,
      profile: PROFILE,
      facts: FACTS,
      checkAnnotations: checkEciAnnotations,
    }).review,
  );
  // The webhook's own fastify options and content-type parsers: fastify still reads and
  // parses the JSON body; only the review's work is missing.
  const bare = Fastify(fastifyOptions({ tls }));
  bare.removeContentTypeParser('text/plain');
  bare.post('/mutate', (_request, reply) => {
    reply.type('application/json; charset=utf-8').send(fixed);
  });
  app = bare as unknown as FastifyInstance;
}
// CPU time the server process has used, so the driver can report CPU per review, a
// figure a busy shared machine distorts far less than wall-clock throughput.
app.get('/cpu', async () => process.cpuUsage());
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(
  `${JSON.stringify({ port: (app.server.address() as AddressInfo).port, caPem: ca.certPem })}\n`,
);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
