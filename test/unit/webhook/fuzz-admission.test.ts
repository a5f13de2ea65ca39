// Property-based fuzzing of POST /mutate (fast-check): garbage bodies are a 400, never a
// 500 or a crash; broken reviews are a 400 or an answer; every review of a generated pod
// is a 200 whose answer names the request and whose JSON Patch applies to that pod.
// FUZZ_RUNS bodies in all (1,000 in `make test`, 10,000 in `make chaos`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import fastJsonPatch from 'fast-json-patch';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildServer } from '../../../webhook/server.ts';
import { memoizeChecker } from '../../../webhook/annotation-check.ts';
import { DEFAULT_PROFILE } from '../../../shared/profile.ts';
import { checkEciAnnotations, ECI_ANNOTATIONS } from '../../../shared/annotations.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);

let app: FastifyInstance;
before(async () => {
  app = buildServer({
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    state: {
      namespaceLabels: (name): Record<string, string> => (name === 'eci-ns' ? { eci: 'true' } : {}),
      profile: () => DEFAULT_PROFILE,
      facts: () => ({ k8sVersion: 'v1.36.3', clusterDomain: 'cluster.local' }),
      ready: () => true,
      checkAnnotations: memoizeChecker(checkEciAnnotations),
    },
  });
  await app.ready();
});
after(() => app.close());

async function post(payload: string) {
  return app.inject({
    method: 'POST',
    url: '/mutate',
    headers: { 'content-type': 'application/json' },
    payload,
  });
}

const ECI_NAMES = Object.keys(ECI_ANNOTATIONS);
const text = fc.string({ maxLength: 40 });
const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
const labels = fc.dictionary(
  fc.oneof(dnsLabel, fc.constantFrom('eci', 'alibabacloud.com/eci', 'app')),
  fc.oneof(text, fc.constantFrom('true', 'false')),
  { maxKeys: 4 },
);
/** ECI annotations with any value (valid or not), and foreign ones. */
const annotations = fc.dictionary(fc.oneof(fc.constantFrom(...ECI_NAMES), dnsLabel), text, { maxKeys: 5 });
const container = fc.record(
  {
    name: dnsLabel,
    image: fc.oneof(fc.constantFrom('nginx:1.27', 'busybox'), text),
    command: fc.array(text, { maxLength: 3 }),
    resources: fc.record({ requests: fc.dictionary(fc.constantFrom('cpu', 'memory'), text) }),
  },
  { requiredKeys: ['name', 'image'] },
);
const pod = fc.record(
  {
    apiVersion: fc.constant('v1'),
    kind: fc.constant('Pod'),
    metadata: fc.record(
      { name: dnsLabel, generateName: dnsLabel, namespace: dnsLabel, labels, annotations },
      { requiredKeys: [] },
    ),
    spec: fc.record(
      {
        containers: fc.array(container, { minLength: 1, maxLength: 3 }),
        nodeSelector: fc.dictionary(fc.oneof(dnsLabel, fc.constant('type')), text, { maxKeys: 3 }),
        tolerations: fc.array(
          fc.record({ key: text, operator: fc.constantFrom('Exists', 'Equal'), effect: text }),
        ),
        hostNetwork: fc.boolean(),
        restartPolicy: fc.constantFrom('Always', 'Never', 'OnFailure'),
      },
      { requiredKeys: ['containers'] },
    ),
  },
  { requiredKeys: ['apiVersion', 'kind', 'metadata', 'spec'] },
);
const review = fc.record({
  apiVersion: fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'),
  uid: fc.uuid(),
  namespace: fc.constantFrom('eci-ns', 'plain-ns'),
  dryRun: fc.boolean(),
  pod,
});
type Review = typeof review extends fc.Arbitrary<infer T> ? T : never;

function reviewBody(r: Review) {
  return {
    apiVersion: r.apiVersion,
    kind: 'AdmissionReview',
    request: {
      uid: r.uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: r.namespace,
      operation: 'CREATE',
      dryRun: r.dryRun,
      object: r.pod,
    },
  };
}

/** A JSON value put somewhere in a valid review: at the top, in the request, or in the pod. */
const broken = fc.tuple(
  review,
  fc.constantFrom('root', 'request', 'object', 'spec', 'metadata'),
  fc.jsonValue(),
);

const runs = (share: number) => ({ numRuns: Math.max(1, Math.round(RUNS * share)), seed: SEED });

describe(`fuzz POST /mutate (${RUNS} bodies)`, () => {
  test('garbage bodies (any text, any JSON that is no review) are a 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (body) => {
          const res = await post(body);
          assert.equal(
            res.statusCode,
            400,
            `body ${JSON.stringify(body).slice(0, 200)} → ${res.statusCode} ${res.body}`,
          );
          assert.equal(res.json().error, 'Bad Request');
        },
      ),
      runs(0.3),
    );
  });

  test('broken reviews are a 400 or a review answering the request, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(broken, async ([r, where, value]) => {
        const body = reviewBody(r) as Record<string, unknown> & { request: Record<string, unknown> };
        const object = body.request.object as Record<string, unknown>;
        if (where === 'root') body[`x${String(value).slice(0, 5)}`] = value;
        if (where === 'request') body.request = value as never;
        if (where === 'object') body.request.object = value;
        if (where === 'spec') object.spec = value;
        if (where === 'metadata') object.metadata = value;
        const res = await post(JSON.stringify(body));
        assert.ok(
          res.statusCode === 400 || res.statusCode === 200,
          `${where} → ${res.statusCode} ${res.body}`,
        );
        if (res.statusCode === 200) assert.equal(res.json().response.uid, r.uid);
      }),
      runs(0.3),
    );
  });

  test('a review of any generated pod is answered in its version, allowed, with a patch that applies', async () => {
    await fc.assert(
      fc.asyncProperty(review, async (r) => {
        const res = await post(JSON.stringify(reviewBody(r)));
        assert.equal(res.statusCode, 200, res.body);
        const answer = res.json();
        assert.equal(answer.apiVersion, r.apiVersion);
        assert.equal(answer.kind, 'AdmissionReview');
        assert.equal(answer.response.uid, r.uid);
        assert.equal(answer.response.allowed, true);
        if (answer.response.patch !== undefined) {
          assert.equal(answer.response.patchType, 'JSONPatch');
          const patch = JSON.parse(Buffer.from(answer.response.patch, 'base64').toString('utf8'));
          const patched = fastJsonPatch.applyPatch(structuredClone(r.pod), patch, true, false).newDocument;
          assert.ok(patched.spec.containers.length === r.pod.spec.containers.length);
        }
        const podLabels = r.pod.metadata.labels ?? {};
        const optedOut = podLabels.eci === 'false' || podLabels['alibabacloud.com/eci'] === 'false';
        if (r.namespace === 'eci-ns' && !optedOut) {
          const patch = JSON.parse(
            Buffer.from(answer.response.patch ?? btoa('[]'), 'base64').toString('utf8'),
          );
          const patched = fastJsonPatch.applyPatch(structuredClone(r.pod), patch, true, false).newDocument;
          assert.equal(
            patched.spec.nodeSelector?.type,
            'virtual-kubelet',
            'an ECI namespace sends the pod to ECI',
          );
        }
      }),
      runs(0.4),
    );
  });
});
