// The review's hot path (issue 4 benchmark): a cached namespace answered synchronously,
// the response serialized once, the patch encoded without a Buffer copy when ASCII, and
// the boundary still validated with clear 400 messages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { base64Json, parseAdmissionReview } from '../../../webhook/admission.ts';
import {
  buildServer,
  DEFAULT_BODY_LIMIT,
  fastifyOptions,
  type WebhookState,
} from '../../../webhook/server.ts';
import { DEFAULT_PROFILE, parseEciProfile } from '../../../shared/profile.ts';
import { selectForEci } from '../../../webhook/selection.ts';
import { mutate } from '../../../webhook/mutate.ts';
import { unsupportedFeatureWarnings } from '../../../webhook/warnings.ts';

const logger = pino({ level: 'silent' });

function podReview(object: unknown, namespace = 'team-a') {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'uid-7',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      namespace,
      operation: 'CREATE',
      object,
    },
  };
}

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'team-a', annotations: { note: 'café ✓ 🚀' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
};

function state(namespaceLabels: WebhookState['namespaceLabels']): WebhookState {
  return {
    namespaceLabels,
    profile: () => DEFAULT_PROFILE,
    facts: () => ({ k8sVersion: 'v1.36.3', clusterDomain: 'cluster.local' }),
    ready: () => true,
  };
}

describe('base64Json', () => {
  const cases: Array<[string, unknown]> = [
    ['ASCII', [{ op: 'add', path: '/metadata/annotations/a~1b', value: 'x' }]],
    ['Latin-1 but not ASCII', [{ op: 'add', path: '/x', value: 'café' }]],
    ['beyond Latin-1 (emoji, CJK)', [{ op: 'add', path: '/x', value: '🚀 日本' }]],
    ['empty', []],
  ];
  for (const [name, value] of cases) {
    test(`decodes to the value's UTF-8 JSON: ${name}`, () => {
      const encoded = base64Json(value);
      assert.equal(encoded, Buffer.from(JSON.stringify(value), 'utf8').toString('base64'));
      assert.deepEqual(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')), value);
    });
  }
});

describe('POST /mutate with a synchronous namespace cache', () => {
  test('a cache hit (plain value) and a read (promise) give the same answer; metrics recorded', async () => {
    const labels = { 'alibabacloud.com/eci': 'true' };
    const answers = [];
    for (const namespaceLabels of [() => labels, async () => labels]) {
      const registry = new Registry();
      const app = buildServer({ logger, registry, state: state(namespaceLabels) });
      const res = await app.inject({ method: 'POST', url: '/mutate', payload: podReview(pod) });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      answers.push(res.body);
      const metrics = await registry.metrics();
      assert.match(
        metrics,
        /eci_webhook_admissions_total\{decision="eci",reason="namespace-label",outcome="patched"\} 1/,
      );
      assert.match(metrics, /eci_webhook_admission_duration_seconds_count 1/);
      await app.close();
    }
    assert.equal(answers[0], answers[1]);
    const response = JSON.parse(answers[0]!).response;
    assert.equal(response.uid, 'uid-7');
    assert.equal(response.patchType, 'JSONPatch');
    const patch = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    assert.ok(patch.some((op: { path: string }) => op.path === '/spec/nodeSelector'));
  });

  test('a namespace read that fails is a 500 with a message, counted as an error', async () => {
    const registry = new Registry();
    const app = buildServer({
      logger,
      registry,
      state: state(async () => {
        throw new Error('apiserver unreachable');
      }),
    });
    const res = await app.inject({ method: 'POST', url: '/mutate', payload: podReview(pod) });
    assert.equal(res.statusCode, 500);
    assert.match(res.json().message, /apiserver unreachable/);
    assert.match(
      await registry.metrics(),
      /eci_webhook_admissions_total\{decision="other",reason="error",outcome="error"\} 1/,
    );
    await app.close();
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['request.object an array', JSON.stringify(podReview([pod])), /request\.object: must be a JSON object/],
    ['request.object a string', JSON.stringify(podReview('pod')), /request\.object: must be a JSON object/],
    // fastify's secure-json-parse refuses a prototype-poisoning body rather than parsing it.
    [
      'a __proto__ key',
      JSON.stringify(podReview(pod)).replace('"metadata":', '"__proto__":{"x":1},"metadata":'),
      /not valid JSON/,
    ],
    [
      'a constructor.prototype key',
      JSON.stringify(podReview(pod)).replace('"metadata":', '"constructor":{"prototype":{}},"metadata":'),
      /not valid JSON/,
    ],
  ];
  for (const [name, payload, message] of invalid) {
    test(`400 with a message: ${name}`, async () => {
      const app = buildServer({ logger, registry: new Registry(), state: state(() => ({})) });
      const res = await app.inject({
        method: 'POST',
        url: '/mutate',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().message, message);
      await app.close();
    });
  }

  test('a null object is a valid review of a non-pod-create, allowed unchanged', () => {
    const parsed = parseAdmissionReview(podReview(null));
    assert.ok(parsed.ok);
  });
});

describe('escaped keys are remembered', () => {
  test('the same key escapes the same way on every review (first and later)', () => {
    const parsed = parseEciProfile({
      selectors: JSON.stringify([
        {
          name: 'all',
          effect: { annotations: { 'example.com/a-b': 'v' }, labels: { 'example.com/tier': 'x' } },
        },
      ]),
    });
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const profile = parsed.profile;
    const pod = {
      metadata: { name: 'p', labels: { eci: 'true' }, annotations: {} },
      spec: { containers: [] },
    };
    const facts = { clusterDomain: 'cluster.local' };
    for (let i = 0; i < 3; i++) {
      const decision = selectForEci({ pod, namespaceLabels: {}, profile });
      const paths = mutate(pod, decision, profile, facts).patch.map((op) => op.path);
      assert.ok(paths.includes('/metadata/annotations/example.com~1a-b'), paths.join(' '));
      assert.ok(paths.includes('/metadata/labels/example.com~1tier'), paths.join(' '));
    }
  });
});

describe('unsupportedFeatureWarnings order', () => {
  test('init containers first, then containers, each in spec order', () => {
    const warnings = unsupportedFeatureWarnings({
      spec: {
        initContainers: [{ name: 'i1', securityContext: { privileged: true } }],
        containers: [
          { name: 'c1', ports: [{ containerPort: 10250 }] },
          {
            // Two warnings: a privileged app container is not one (ECI runs it), a reserved port is.
            name: 'c2',
            securityContext: { privileged: true },
            ports: [{ containerPort: 10255 }, { containerPort: 80, hostPort: 8080 }],
          },
        ],
      },
    });
    assert.deepEqual(
      warnings.map((w) => w.split(':')[0]),
      ['init container i1', 'container c1', 'container c2', 'container c2'],
    );
  });
});

describe('fastifyOptions', () => {
  test('the body limit and TLS 1.2 floor the server and the benchmark share', () => {
    const options = fastifyOptions({ tls: { cert: 'c', key: 'k' } });
    assert.equal(options.bodyLimit, DEFAULT_BODY_LIMIT);
    assert.equal(options.https?.minVersion, 'TLSv1.2');
    assert.equal(options.return503OnClosing, true);
    assert.equal(fastifyOptions({ bodyLimit: 10 }).bodyLimit, 10);
    assert.equal('https' in fastifyOptions({}), false);
  });
});
