// The kubelet port as a client sees it, over raw TLS (so malformed request lines can be sent):
// a fuzz run over paths, queries and methods that must never crash it or get a 5xx, and the
// bounds on concurrency, bytes and slow clients.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import { once } from 'node:events';
import pino from 'pino';
import { startKubeletApi, type KubeletApiOptions, type LogRequest } from '../../../reconciler/kubelet-api.ts';

const log = pino({ level: 'silent' });

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request on its own TLS connection; resolves with the parsed answer, or status 0 if none came. */
function raw(port: number, request: string | Buffer, abortAfterWrite = false): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      socket.write(request);
      if (abortAfterWrite) setImmediate(() => socket.destroy());
    });
    // No answer at all (a handler that threw and left the socket open) shows as status 0.
    socket.setTimeout(10_000, () => socket.destroy());
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET') reject(err);
    });
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: m ? Number(m[1]) : 0, headers, body: rest.join('\r\n\r\n') });
    });
  });
}

const get = (port: number, target: string, method = 'GET', extra = '') =>
  raw(port, `${method} ${target} HTTP/1.1\r\nHost: node\r\n${extra}Connection: close\r\n\r\n`);

/** A deterministic generator, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEGMENTS = [
  'containerLogs',
  'healthz',
  'ns',
  'p',
  'c',
  '',
  '.',
  '..',
  '%2e%2e',
  '%2F',
  '%E0%A4%A',
  '%',
  '%zz',
  '%00',
  '%FF%FE',
  'NS',
  'a'.repeat(300),
  '%C3%A9',
  'exec',
  'containerLogs%00',
];
const PARAMS = [
  'tailLines',
  'sinceSeconds',
  'sinceTime',
  'limitBytes',
  'timestamps',
  'previous',
  'follow',
  'x',
  '',
];
const VALUES = [
  '0',
  '-1',
  '-5',
  '1',
  '10',
  '99999999999999999999999999',
  '9'.repeat(400),
  '1e3',
  '0x10',
  'NaN',
  'Infinity',
  '',
  'true',
  'TRUE',
  'false',
  '%E0%A4%A',
  '%00',
  '2026-01-01T00:00:00Z',
  '2999-01-01T00:00:00Z',
  'not-a-time',
  '+5',
  ' 5',
];

const VALID_PATHS = ['/containerLogs/ns/p/c', '/containerLogs/ns/p/other', '/containerLogs/ns/gone/c'];

function randomBytesString(next: () => number, length: number, printable: boolean): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const b = Math.floor(next() * 256);
    // Inside the request line a space, CR or LF would end the target: keep them percent-encoded.
    s +=
      printable && (b <= 0x20 || b >= 0x7f) ? `%${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b);
  }
  return s;
}

function randomTarget(next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const n = Math.floor(next() * 6);
  const segs: string[] = [];
  for (let i = 0; i < n; i++)
    segs.push(next() < 0.15 ? randomBytesString(next, 1 + Math.floor(next() * 12), true) : pick(SEGMENTS));
  if (next() < 0.6 && segs.length > 0) segs[0] = 'containerLogs';
  // Half the time a path that parses, so the query parser is what gets fuzzed.
  let target = next() < 0.5 ? pick(VALID_PATHS) : `/${segs.join('/')}`;
  if (next() < 0.8) {
    const m = Math.floor(next() * 5);
    const pairs: string[] = [];
    for (let i = 0; i < m; i++) {
      const value = next() < 0.15 ? randomBytesString(next, 1 + Math.floor(next() * 8), true) : pick(VALUES);
      pairs.push(next() < 0.1 ? pick(PARAMS) : `${pick(PARAMS)}=${value}`);
    }
    target += `?${pairs.join(next() < 0.1 ? ';' : '&')}`;
  }
  return target;
}

describe('kubelet API under hostile input', () => {
  let api: { port: number; close(): Promise<void> };
  const reads: LogRequest[] = [];
  const options: KubeletApiOptions = {
    host: '127.0.0.1',
    port: 0,
    nodeIp: '127.0.0.1',
    log,
    groupOf: (namespace, pod) => (namespace === 'ns' && pod === 'p' ? 'eci-1' : undefined),
    readLog: async (q) => {
      reads.push(q);
      if (q.container !== 'c') {
        throw Object.assign(new Error('not found'), { code: 'InvalidContainer.NotFound', statusCode: 404 });
      }
      return 'line 1\nline 2\n';
    },
    // The container has ended, so follow=true requests end after their last poll.
    containerRunning: () => Promise.resolve(false),
    // Short, so the cases that leave a connection open (an upgrade request, a follow) end quickly.
    limits: { keepAliveTimeoutMs: 200, headersTimeoutMs: 2_000, requestTimeoutMs: 4_000, followPollMs: 5 },
  };
  before(async () => {
    api = await startKubeletApi(options);
  });
  after(async () => {
    await api.close();
  });

  test('the request that used to end the process is a 400 naming the problem', async () => {
    const answer = await get(api.port, '/containerLogs/%E0%A4%A/a/b');
    assert.equal(answer.status, 400);
    assert.match(answer.body, /malformed percent-encoding/);
    assert.equal((await get(api.port, '/healthz')).status, 200);
  });

  test('fixed hostile cases: methods, raw bytes, huge targets, bodies, upgrades', async () => {
    const cases: [string | Buffer, (status: number) => boolean][] = [
      ['HEAD /healthz HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n', (s) => s === 405],
      ['POST /containerLogs/ns/p/c HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n', (s) => s === 405],
      ['DELETE /healthz HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n', (s) => s === 405],
      ['OPTIONS * HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n', (s) => s === 400],
      [
        'GET http://evil/containerLogs/ns/p/c HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n',
        (s) => s === 400,
      ],
      ['FOO / HTTP/1.1\r\nHost: n\r\n\r\n', (s) => s === 400],
      ['GET /containerLogs/ns/p/c\0 HTTP/1.1\r\nHost: n\r\n\r\n', (s) => s === 400],
      [
        Buffer.from([0x47, 0x45, 0x54, 0x20, 0x2f, 0xff, 0xfe, 0x20, 0x0d, 0x0a, 0x0d, 0x0a]),
        (s) => s === 400,
      ],
      [`GET /containerLogs/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: n\r\n\r\n`, (s) => s === 431],
      [`GET /healthz HTTP/1.1\r\nHost: n\r\nX: ${'b'.repeat(20_000)}\r\n\r\n`, (s) => s === 431],
      [
        `GET /healthz HTTP/1.1\r\nHost: n\r\n${Array.from({ length: 300 }, (_, i) => `X-${i}: y\r\n`).join('')}Connection: close\r\n\r\n`,
        (s) => s === 200,
      ],
      [
        'GET /healthz HTTP/1.1\r\nHost: n\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello',
        (s) => s === 413,
      ],
      [
        'GET /healthz HTTP/1.1\r\nHost: n\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
        (s) => s === 413,
      ],
      ['GET /healthz HTTP/1.1\r\nHost: n\r\nContent-Length: -1\r\n\r\n', (s) => s === 400],
      [
        'GET /healthz HTTP/1.1\r\nHost: n\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n',
        (s) => s < 500,
      ],
      [
        'GET /healthz HTTP/1.1\r\nHost: n\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
        (s) => s < 500,
      ],
      ['CONNECT node:10250 HTTP/1.1\r\nHost: node:10250\r\n\r\n', (s) => s === 0 || s < 500],
      [
        'GET /containerLogs/ns/p/c?tailLines=1&tailLines=2 HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n',
        (s) => s === 400,
      ],
      [
        'GET /containerLogs/ns/p/c?limitBytes=999999999999999999999 HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n',
        (s) => s === 400,
      ],
      ['GET /containerLogs/ns/p/nope HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n', (s) => s === 400],
      ['GET /containerLogs/ns/p/../c HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n', (s) => s === 400],
      ['GET /containerLogs/ns/p/%2e%2e HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n', (s) => s === 400],
    ];
    for (const [request, ok] of cases) {
      const t0 = Date.now();
      const answer = await raw(api.port, request);
      if (process.env.DEBUG_CASES) console.log(Date.now() - t0, answer.status, String(request).slice(0, 50));
      const shown = JSON.stringify(String(request).slice(0, 80));
      assert.ok(ok(answer.status), `${shown} answered ${answer.status} ${answer.body.slice(0, 200)}`);
    }
    assert.equal((await get(api.port, '/healthz')).status, 200);
  });

  test('fuzz: 600 random paths and queries, every answer below 500, and the port still serves', async () => {
    const next = prng(0x6b75626c);
    const statuses = new Map<number, number>();
    const targets = Array.from({ length: 600 }, () => randomTarget(next));
    // A few connections at a time, as the API server would open them.
    for (let i = 0; i < targets.length; i += 6) {
      const batch = targets.slice(i, i + 6);
      const answers = await Promise.all(batch.map((t) => get(api.port, t)));
      answers.forEach((a, j) => {
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        assert.ok(
          a.status >= 200 && a.status < 500,
          `${JSON.stringify(batch[j])} answered ${a.status} ${a.body}`,
        );
      });
    }
    if (process.env.DEBUG_CASES) console.log('fuzz statuses', Object.fromEntries(statuses));
    // The run covered the interesting outcomes, not only one kind of refusal.
    for (const s of [200, 400, 404]) assert.ok((statuses.get(s) ?? 0) > 0, `no ${s} in ${[...statuses]}`);
    const healthy = await get(api.port, '/containerLogs/ns/p/c?tailLines=5');
    assert.equal(healthy.status, 200);
    assert.equal(healthy.body, 'line 1\nline 2\n');
  });
});

/** A readLog whose calls wait until the test lets them finish. */
function gatedReads() {
  const waiting: { q: LogRequest; finish: (text: string) => void }[] = [];
  return {
    waiting,
    readLog: (q: LogRequest) =>
      new Promise<string>((resolve) => {
        waiting.push({ q, finish: resolve });
      }),
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), what);
}

describe('kubelet API bounds', () => {
  test('at most maxInFlight log requests; beyond it 429 with Retry-After; /healthz still answers', async () => {
    const gate = gatedReads();
    const api = await startKubeletApi({
      host: '127.0.0.1',
      port: 0,
      nodeIp: '127.0.0.1',
      log,
      groupOf: () => 'eci-1',
      readLog: gate.readLog,
      limits: { maxInFlight: 2 },
    });
    try {
      const first = get(api.port, '/containerLogs/ns/p/c');
      const second = get(api.port, '/containerLogs/ns/p/c');
      await until('two reads started', () => gate.waiting.length === 2);
      const third = await get(api.port, '/containerLogs/ns/p/c');
      assert.equal(third.status, 429);
      assert.equal(third.headers['retry-after'], '1');
      assert.match(third.body, /too many log requests in flight \(2\)/);
      assert.equal((await get(api.port, '/healthz')).status, 200);

      for (const w of gate.waiting.splice(0)) w.finish('done\n');
      assert.deepEqual(
        (await Promise.all([first, second])).map((a) => [a.status, a.body]),
        [
          [200, 'done\n'],
          [200, 'done\n'],
        ],
      );

      // A client that goes away keeps its slot until ECI answers: that answer still occupies memory.
      const abandoned = raw(api.port, 'GET /containerLogs/ns/p/c HTTP/1.1\r\nHost: n\r\n\r\n', true);
      const kept = get(api.port, '/containerLogs/ns/p/c');
      await until('two reads started again', () => gate.waiting.length === 2);
      await abandoned;
      assert.equal((await get(api.port, '/containerLogs/ns/p/c')).status, 429);
      gate.waiting.shift()!.finish('late\n');
      gate.waiting.shift()!.finish('kept\n');
      assert.equal((await kept).body, 'kept\n');
      const after = get(api.port, '/containerLogs/ns/p/c');
      await until('a slot is free again', () => gate.waiting.length === 1);
      gate.waiting.shift()!.finish('again\n');
      assert.equal((await after).status, 200);
    } finally {
      await api.close();
    }
  });

  test('limitBytes is clamped to maxLogBytes, passed to ECI, and enforced on what ECI returns', async () => {
    const reads: LogRequest[] = [];
    const api = await startKubeletApi({
      host: '127.0.0.1',
      port: 0,
      nodeIp: '127.0.0.1',
      log,
      groupOf: () => 'eci-1',
      // An ECI that ignores LimitBytes.
      readLog: async (q) => {
        reads.push(q);
        return 'x'.repeat(100_000);
      },
      limits: { maxLogBytes: 1_000 },
    });
    try {
      const unbounded = await get(api.port, '/containerLogs/ns/p/c');
      assert.equal(unbounded.status, 200);
      assert.equal(unbounded.body.length, 1_000);
      assert.equal((await get(api.port, '/containerLogs/ns/p/c?limitBytes=10')).body, 'x'.repeat(10));
      assert.equal((await get(api.port, '/containerLogs/ns/p/c?limitBytes=99999999')).body.length, 1_000);
      assert.deepEqual(
        reads.map((q) => q.limitBytes),
        [1_000, 10, 1_000],
      );
    } finally {
      await api.close();
    }
  });

  test('a bug behind the port (a lookup that throws) is a 500 for that request only', async () => {
    const api = await startKubeletApi({
      host: '127.0.0.1',
      port: 0,
      nodeIp: '127.0.0.1',
      log,
      groupOf: () => {
        throw new TypeError('tracker exploded');
      },
      readLog: () => {
        throw new Error('not reached');
      },
      limits: { maxInFlight: 1 },
    });
    try {
      // More than maxInFlight in a row: a failed request gives its slot back.
      for (let i = 0; i < 3; i++) {
        const answer = await get(api.port, '/containerLogs/ns/p/c');
        assert.deepEqual([answer.status, answer.body], [500, 'internal error while reading the log']);
      }
      assert.equal((await get(api.port, '/healthz')).status, 200);
    } finally {
      await api.close();
    }
  });

  test(
    'slow clients are cut off: no TLS handshake, headers that never finish',
    { timeout: 30_000 },
    async () => {
      const api = await startKubeletApi({
        host: '127.0.0.1',
        port: 0,
        nodeIp: '127.0.0.1',
        log,
        groupOf: () => undefined,
        readLog: async () => '',
        limits: { handshakeTimeoutMs: 300, headersTimeoutMs: 300, requestTimeoutMs: 600 },
      });
      try {
        // A TCP connection that never starts TLS.
        const silent = netConnect({ port: api.port, host: '127.0.0.1' });
        silent.on('error', () => {});
        await once(silent, 'close');

        // Headers sent one byte at a time, never finished (slowloris).
        const slow = tlsConnect({ port: api.port, host: '127.0.0.1', rejectUnauthorized: false });
        slow.on('error', () => {});
        await once(slow, 'secureConnect');
        const chunks: Buffer[] = [];
        slow.on('data', (c: Buffer) => chunks.push(c));
        const dribble = setInterval(() => slow.write('X'), 50);
        slow.write('GET /healthz HTTP/1.1\r\nHost: n\r\nX-Slow: ');
        await once(slow, 'close');
        clearInterval(dribble);
        assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 408/);
        assert.equal((await get(api.port, '/healthz')).status, 200);
      } finally {
        await api.close();
      }
    },
  );
});
