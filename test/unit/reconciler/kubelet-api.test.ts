// Pure parts of the kubelet port: routing and strict log options, and the answer to a log
// request for each thing ECI can say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeRequest, parseLogQuery } from '../../../reconciler/kubelet/request.ts';
import { answerLogs, logFailure, type LogSource } from '../../../reconciler/kubelet/logs.ts';
import type { LogRequest } from '../../../reconciler/kubelet/request.ts';

const NOW = new Date('2026-01-01T00:00:00Z');

function badRequest(url: string): string {
  const r = routeRequest(url, NOW);
  assert.equal(r.kind, 'bad-request', `${url} → ${JSON.stringify(r)}`);
  return r.kind === 'bad-request' ? r.message : '';
}

function logs(url: string): { request: LogRequest; empty: boolean } {
  const r = routeRequest(url, NOW);
  assert.equal(r.kind, 'containerLogs', `${url} → ${JSON.stringify(r)}`);
  return r.kind === 'containerLogs' ? r : { request: {} as LogRequest, empty: false };
}

test('malformed percent-encoding in the path is a 400, never a thrown URIError', () => {
  assert.match(
    badRequest('/containerLogs/%E0%A4%A/a/b'),
    /malformed percent-encoding in path segment "%E0%A4%A"/,
  );
  assert.match(badRequest('/containerLogs/ns/%/c'), /malformed percent-encoding/);
  assert.match(badRequest('/healthz%'), /malformed percent-encoding/);
});

test('routes: healthz, container logs, 404 for the rest; the target must be a path', () => {
  assert.deepEqual(routeRequest('/healthz', NOW), { kind: 'healthz' });
  assert.deepEqual(routeRequest('/exec/ns/p/c', NOW), { kind: 'not-found' });
  assert.deepEqual(routeRequest('/', NOW), { kind: 'not-found' });
  assert.deepEqual(routeRequest('/healthz/', NOW), { kind: 'not-found' });
  assert.match(badRequest('*'), /must be a path/);
  assert.match(badRequest('http://evil/containerLogs/ns/p/c'), /must be a path/);
  assert.match(
    badRequest('/containerLogs/ns/p'),
    /expected \/containerLogs\/<namespace>\/<pod>\/<container>/,
  );
  assert.match(badRequest('/containerLogs/ns/p/c/'), /expected/);
  assert.match(badRequest('/containerLogs//ns/p/c'), /expected/);
});

test('names are Kubernetes names: no traversal, no encoded slash, no NUL, bounded length', () => {
  assert.match(badRequest('/containerLogs/../p/c'), /namespace "\.\." is not a valid namespace name/);
  assert.match(badRequest('/containerLogs/ns/%2e%2e/c'), /pod "\.\." is not a valid pod name/);
  assert.match(badRequest('/containerLogs/ns/a%2Fb/c'), /pod "a\/b"/);
  assert.match(badRequest('/containerLogs/ns/p/c%00'), /container "c\\u0000" is not a valid container name/);
  assert.match(badRequest('/containerLogs/NS/p/c'), /namespace "NS"/);
  assert.match(badRequest(`/containerLogs/${'a'.repeat(64)}/p/c`), /namespace "a{64}"/);
  // A long name is shown cut short in the message.
  assert.match(badRequest(`/containerLogs/ns/${'b'.repeat(254)}/c`), /pod "b{64}…" is not a valid pod name/);
  assert.equal(logs(`/containerLogs/ns/${'b'.repeat(63)}.x/c`).request.pod, `${'b'.repeat(63)}.x`);
  assert.equal(logs('/containerLogs/kube-system/web-1.a/c-1').request.namespace, 'kube-system');
});

test('tailLines=0 is valid and means no lines; -1 means all (kubectl); other values are strict', () => {
  const zero = logs('/containerLogs/ns/p/c?tailLines=0');
  assert.equal(zero.request.tail, 0);
  assert.equal(zero.empty, true);
  assert.equal(logs('/containerLogs/ns/p/c?tailLines=-1').request.tail, undefined);
  assert.equal(logs('/containerLogs/ns/p/c?tailLines=25').empty, false);
  for (const bad of ['-2', 'abc', '', '1e3', '0x10', '+5', ' 5', '5.0', '%E0%A4%A']) {
    assert.match(
      badRequest(`/containerLogs/ns/p/c?tailLines=${bad}`),
      /^tailLines must be an integer >= 0/,
      bad,
    );
  }
  assert.match(badRequest(`/containerLogs/ns/p/c?tailLines=${'9'.repeat(30)}`), /tailLines is too large/);
  // Big but int64-sized values mean "everything": clamped to what ECI takes.
  assert.equal(logs('/containerLogs/ns/p/c?tailLines=99999999999').request.tail, 2 ** 31 - 1);
});

test('sinceSeconds and limitBytes start at 1; repeated parameters are refused', () => {
  assert.match(badRequest('/containerLogs/ns/p/c?sinceSeconds=0'), /sinceSeconds must be >= 1, got 0/);
  assert.match(badRequest('/containerLogs/ns/p/c?limitBytes=0'), /limitBytes must be >= 1, got 0/);
  assert.match(badRequest('/containerLogs/ns/p/c?limitBytes=-3'), /limitBytes must be an integer >= 1/);
  assert.match(badRequest('/containerLogs/ns/p/c?tailLines=1&tailLines=2'), /tailLines is given 2 times/);
  assert.equal(logs('/containerLogs/ns/p/c?limitBytes=4096&sinceSeconds=30').request.limitBytes, 4096);
  // Unknown parameters are ignored, as the kubelet ignores them.
  assert.equal(logs('/containerLogs/ns/p/c?stream=All&x=1&x=2').request.tail, undefined);
});

test('sinceTime becomes sinceSeconds; a future sinceTime means no lines; both at once is refused', () => {
  assert.equal(logs('/containerLogs/ns/p/c?sinceTime=2025-12-31T23:59:00Z').request.sinceSeconds, 60);
  assert.equal(logs('/containerLogs/ns/p/c?sinceTime=2025-12-31T23:59:59.5%2B00:00').request.sinceSeconds, 1);
  assert.equal(logs('/containerLogs/ns/p/c?sinceTime=2026-01-01T00:10:00Z').empty, true);
  assert.match(
    badRequest('/containerLogs/ns/p/c?sinceTime=yesterday'),
    /sinceTime must be an RFC 3339 time, got "yesterday"/,
  );
  assert.match(
    badRequest('/containerLogs/ns/p/c?sinceTime=2025-12-31T23:59:00Z&sinceSeconds=5'),
    /at most one of sinceSeconds and sinceTime/,
  );
});

test('booleans as the API machinery reads them: false/0 are false, anything else true', () => {
  const q = (s: string) => parseLogQuery(s, NOW);
  const value = (s: string) => {
    const r = q(s);
    assert.ok(r.ok);
    return r.ok ? r.value.options : {};
  };
  assert.equal(value('timestamps=true').timestamps, true);
  assert.equal(value('timestamps=1').timestamps, true);
  assert.equal(value('timestamps').timestamps, true);
  assert.equal(value('timestamps=FALSE').timestamps, undefined);
  assert.equal(value('previous=0').previous, undefined);
  assert.equal(value('').previous, undefined);
  assert.equal(q('follow=true&follow=false').ok, false);
});

const SDK_ERROR = (code: string, statusCode: number) =>
  Object.assign(new Error(code), { code, statusCode, data: { RequestId: 'req-1' } });

function source(
  result: string | Error,
  calls: (LogRequest & { containerGroupId: string })[] = [],
): LogSource {
  return {
    groupOf: (ns, pod) => (ns === 'ns' && pod === 'done' ? 'eci-2ze0abc' : undefined),
    readLog: async (q) => {
      calls.push(q);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}
const Q: LogRequest = { namespace: 'ns', pod: 'done', container: 'main' };

test('a group ECI has already purged: a 400 (its text reaches kubectl) that says the logs are gone', async () => {
  const reply = await answerLogs(source(SDK_ERROR('InvalidContainerGroup.NotFound', 404)), Q, false, 1024);
  assert.equal(reply.status, 400);
  assert.equal(
    reply.body,
    'container group eci-2ze0abc of pod ns/done no longer exists in ECI; its logs are gone',
  );
});

test('other log failures: unknown container, no group (400 with the reason); ECI errors (502 with its text)', async () => {
  const container = logFailure(SDK_ERROR('InvalidContainer.NotFound', 404), Q, 'eci-1');
  assert.deepEqual(container, {
    status: 400,
    body: 'container main is not in container group eci-1 of pod ns/done',
  });
  const none = await answerLogs(source('x'), { ...Q, pod: 'other' }, false, 1024);
  assert.deepEqual(none, {
    status: 400,
    body: 'pod ns/other has no container group in ECI on this node (not created yet, or already deleted)',
  });
  const throttled = logFailure(SDK_ERROR('Throttling.User', 400), Q, 'eci-1');
  assert.equal(throttled.status, 502);
  assert.equal(throttled.headers?.['retry-after'], '5');
  assert.match(
    String(throttled.body),
    /^DescribeContainerLog for pod ns\/done failed: Throttling\.User.*RequestId: req-1/,
  );
  const network = logFailure(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), Q, 'eci-1');
  assert.deepEqual([network.status, network.headers], [502, undefined]);
  assert.match(String(network.body), /ECONNRESET/);
  assert.equal(logFailure(SDK_ERROR('InvalidParameter', 400), Q, 'eci-1').status, 502);
});
test('tailLines=0 answers nothing without asking ECI; tailLines and limitBytes are clamped to the bounds of ECI', async () => {
  const calls: (LogRequest & { containerGroupId: string })[] = [];
  const empty = await answerLogs(source('a\nb\n', calls), { ...Q, tail: 0 }, true, 1024);
  assert.deepEqual([empty.status, String(empty.body), calls.length], [200, '', 0]);
  const cut = await answerLogs(source('é'.repeat(100), calls), { ...Q, limitBytes: 5 }, false, 1024);
  assert.equal((cut.body as Buffer).length, 5);
  await answerLogs(source('x', calls), { ...Q, limitBytes: 10_000, tail: 5_000 }, false, 1024);
  await answerLogs(source('x', calls), { ...Q, tail: 20 }, false, 1024);
  assert.deepEqual(
    calls.map((c) => [c.limitBytes, c.tail, c.containerGroupId]),
    [
      [5, undefined, 'eci-2ze0abc'],
      [1024, 2000, 'eci-2ze0abc'],
      [1024, 20, 'eci-2ze0abc'],
    ],
  );
});
