// logs -f on top of ECI's polled DescribeContainerLog: the window and de-duplication (pure),
// the follow loop against a fake log that grows (fake clock, no waiting), and the HTTP stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import pino from 'pino';
import {
  newLines,
  nextSinceSeconds,
  parseTimestampedLines,
  render,
  START,
} from '../../../../reconciler/kubelet/follow.ts';
import { followLog, type FollowSource, type LogSink } from '../../../../reconciler/kubelet/follow-stream.ts';
import { startKubeletApi } from '../../../../reconciler/kubelet-api.ts';
import type { LogRequest } from '../../../../reconciler/kubelet/request.ts';

const log = pino({ level: 'silent' });

test('parseTimestampedLines: RFC 3339 to the nanosecond; untimed lines inherit the previous instant', () => {
  const lines = parseTimestampedLines(
    '2026-01-01T00:00:01.5Z a\n2026-01-01T00:00:01.000000002Z b\ncontinued\n2026-01-01T01:00:01+01:00 c',
  );
  assert.deepEqual(lines, [
    { ts: '2026-01-01T00:00:01.5Z', at: [1767225601, 500000000], text: 'a\n' },
    { ts: '2026-01-01T00:00:01.000000002Z', at: [1767225601, 2], text: 'b\n' },
    { ts: '', at: [1767225601, 2], text: 'continued\n' },
    { ts: '2026-01-01T01:00:01+01:00', at: [1767225601, 0], text: 'c' },
  ]);
  assert.equal(render(lines, false), 'a\nb\ncontinued\nc');
  assert.equal(render(lines.slice(0, 1), true), '2026-01-01T00:00:01.5Z a\n');
});

test('newLines: drops what was sent, keeps same-instant repeats that were not', () => {
  const poll1 = parseTimestampedLines(
    '2026-01-01T00:00:01Z x\n2026-01-01T00:00:02Z y\n2026-01-01T00:00:02Z y\n',
  );
  const a = newLines(START, poll1);
  assert.equal(render(a.lines, false), 'x\ny\ny\n');
  // The next window reaches back over the boundary; a third "y" at the same instant is new.
  const poll2 = parseTimestampedLines(
    '2026-01-01T00:00:01Z x\n2026-01-01T00:00:02Z y\n2026-01-01T00:00:02Z y\n2026-01-01T00:00:02Z y\n2026-01-01T00:00:03Z z\n',
  );
  const b = newLines(a.cursor, poll2);
  assert.equal(render(b.lines, false), 'y\nz\n');
  assert.deepEqual(b.cursor, { at: [1767225603, 0], atLast: new Map([['z\n', 1]]) });
  assert.deepEqual(newLines(b.cursor, poll2).lines, []);
});

test('nextSinceSeconds: back to a second before the last line, or the fallback before any', () => {
  assert.equal(nextSinceSeconds(START, 10_000, 7), 7);
  assert.equal(nextSinceSeconds(START, 10_000, undefined), undefined);
  assert.equal(nextSinceSeconds({ at: [8, 500], atLast: new Map() }, 10_000, 7), 3);
  assert.equal(nextSinceSeconds({ at: [10, 0], atLast: new Map() }, 10_000, 7), 1);
});

/** A container log as ECI keeps it: timestamped lines; answers Tail/SinceSeconds/Timestamps in whole seconds. */
class FakeLog {
  lines: { ms: number; text: string }[] = [];
  now = Date.parse('2026-01-01T00:00:00Z');
  running = true;
  polls: LogRequest[] = [];
  failNext = 0;
  add(text: string, dtMs = 0) {
    this.lines.push({ ms: this.now + dtMs, text });
  }
  source(): FollowSource {
    return {
      groupOf: () => 'eci-1',
      readLog: (q) => {
        this.polls.push(q);
        if (this.failNext > 0) {
          this.failNext--;
          return Promise.reject(
            Object.assign(new Error('boom'), { code: 'ServiceUnavailable', statusCode: 503 }),
          );
        }
        let lines = this.lines.filter((l) => l.ms <= this.now);
        if (q.sinceSeconds !== undefined)
          lines = lines.filter((l) => l.ms >= this.now - q.sinceSeconds! * 1000);
        if (q.tail !== undefined) lines = lines.slice(Math.max(0, lines.length - q.tail));
        const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000000Z');
        return Promise.resolve(
          lines.map((l) => `${q.timestamps ? `${iso(l.ms)} ` : ''}${l.text}\n`).join(''),
        );
      },
      containerRunning: () => Promise.resolve(this.running),
    };
  }
}

function arraySink(closeAfterWrites = Infinity): LogSink & { out: string[]; started: boolean } {
  const s = {
    out: [] as string[],
    started: false,
    start() {
      s.started = true;
    },
    write(text: string) {
      s.out.push(text);
      return Promise.resolve(s.out.length < closeAfterWrites);
    },
    isOpen: () => s.out.length < closeAfterWrites,
  };
  return s;
}

const Q: LogRequest & { containerGroupId: string } = {
  namespace: 'ns',
  pod: 'p',
  container: 'c',
  containerGroupId: 'eci-1',
};

test('followLog: a growing log comes out whole, once, in order; ends after the container ends', async () => {
  const f = new FakeLog();
  f.add('old-1', -5000);
  f.add('old-2', -100);
  // Each sleep of the loop advances the clock and appends lines, some sharing an instant.
  const script = [
    () => f.add('a'),
    () => (f.add('b'), f.add('b'), f.add('b', 400)),
    () => f.add('b'), // same text, a later instant: new
    () => {},
    () => (f.add('last'), (f.running = false)),
  ];
  let step = 0;
  const timing = {
    intervalMs: 1000,
    now: () => f.now,
    sleep: (ms: number) => {
      f.now += ms;
      script[step++]?.();
      return Promise.resolve();
    },
  };
  const sink = arraySink();
  const end = await followLog(f.source(), { ...Q }, sink, 1 << 20, timing, log);
  assert.equal(end, 'container-ended');
  assert.equal(sink.out.join(''), 'old-1\nold-2\na\nb\nb\nb\nb\nlast\n');
  assert.ok(
    f.polls.every((p) => p.timestamps === true),
    'always asks ECI for timestamps',
  );
  assert.ok(
    f.polls.slice(1).every((p) => p.tail === 2000 && p.sinceSeconds !== undefined && p.sinceSeconds <= 3),
  );
});

test('followLog: --tail=0 sends only new lines; --timestamps keeps them; limitBytes ends it', async () => {
  const f = new FakeLog();
  f.add('before', -10);
  let step = 0;
  const timing = {
    intervalMs: 1000,
    now: () => f.now,
    sleep: (ms: number) => {
      f.now += ms;
      if (step++ < 3) f.add(`new-${step}`);
      return Promise.resolve();
    },
  };
  const sink = arraySink();
  assert.equal(
    await followLog(
      f.source(),
      { ...Q, tail: 0, timestamps: true, limitBytes: 75 },
      sink,
      1 << 20,
      timing,
      log,
    ),
    'limit-bytes',
  );
  assert.equal(
    sink.out.join(''),
    '2026-01-01T00:00:01.000000000Z new-1\n2026-01-01T00:00:02.000000000Z new-2\n2',
  );
});

test('followLog: the first failure is thrown; later ones are retried, then end the stream; a gone client ends it', async () => {
  const f = new FakeLog();
  const timing = {
    intervalMs: 1000,
    now: () => f.now,
    sleep: (ms: number) => ((f.now += ms), Promise.resolve()),
  };
  f.failNext = 1;
  await assert.rejects(followLog(f.source(), { ...Q }, arraySink(), 1 << 20, timing, log), /boom/);
  f.add('x');
  f.failNext = 0;
  const sink = arraySink();
  const source = f.source();
  const polls = f.polls.length;
  const failing = followLog(
    source,
    { ...Q },
    sink,
    1 << 20,
    {
      ...timing,
      sleep: (ms) => {
        f.now += ms;
        f.failNext = 10;
        return Promise.resolve();
      },
    },
    log,
  );
  assert.equal(await failing, 'failing');
  assert.equal(f.polls.length - polls, 1 + 5);
  assert.equal(sink.out.join(''), 'x\n');
  f.failNext = 0;
  const gone = arraySink(1);
  assert.equal(await followLog(f.source(), { ...Q }, gone, 1 << 20, timing, log), 'client-gone');
});

test('GET ?follow=true streams chunks as they come and ends when the container has', async () => {
  const f = new FakeLog();
  f.now = Date.now();
  f.add('first');
  const source = f.source();
  const api = await startKubeletApi({
    host: '127.0.0.1',
    port: 0,
    nodeIp: '127.0.0.1',
    log,
    ...source,
    readLog: (q) => ((f.now = Date.now()), source.readLog(q)),
    limits: { followPollMs: 20 },
  });
  try {
    const chunks: string[] = [];
    const status = await new Promise<number>((resolve, reject) => {
      const r = request(
        {
          host: '127.0.0.1',
          port: api.port,
          path: '/containerLogs/ns/p/c?follow=true',
          rejectUnauthorized: false,
        },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            chunks.push(c);
            // Each line arrives before the next is written: a stream, not a buffered reply.
            if (c.includes('first')) f.add('second');
            if (c.includes('second')) {
              f.add('third');
              f.running = false;
            }
          });
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      r.on('error', reject);
      r.end();
    });
    assert.equal(status, 200);
    assert.equal(chunks.join(''), 'first\nsecond\nthird\n');
    assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
  } finally {
    await api.close();
  }
});

test('GET ?follow=true&previous=true is the previous container log as a snapshot (nothing more will come)', async () => {
  const api = await startKubeletApi({
    host: '127.0.0.1',
    port: 0,
    nodeIp: '127.0.0.1',
    log,
    groupOf: () => 'eci-1',
    readLog: (q) => Promise.resolve(q.previous ? 'from the last run\n' : 'current\n'),
  });
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const r = request(
        {
          host: '127.0.0.1',
          port: api.port,
          path: '/containerLogs/ns/p/c?follow=true&previous=true',
          rejectUnauthorized: false,
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      r.on('error', reject);
      r.end();
    });
    assert.equal(body, 'from the last run\n');
  } finally {
    await api.close();
  }
});
