// Pure decisions of the streaming endpoints: routes and queries, protocol negotiation, the
// roles a client opens, what the error stream says, resize messages and port headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  negotiateProtocol,
  REMOTE_COMMAND_PROTOCOLS,
  routeStreaming,
} from '../../../../reconciler/kubelet/streaming/route.ts';
import {
  exitMessage,
  expectedRoles,
  parseResizeLines,
} from '../../../../reconciler/kubelet/streaming/exec.ts';
import { parsePort } from '../../../../reconciler/kubelet/streaming/portforward.ts';

test('routeStreaming: the kubelet paths, with or without the pod uid; query flags', () => {
  const io = { stdin: false, stdout: true, stderr: true, tty: false };
  assert.deepEqual(routeStreaming('/exec/ns/p/c?output=1&error=1&command=ls&command=-l'), {
    kind: 'exec',
    target: { namespace: 'ns', pod: 'p', container: 'c' },
    options: { ...io, command: ['ls', '-l'] },
  });
  assert.deepEqual(routeStreaming('/exec/ns/p/uid-1/c?output=true&error=1&command=ls').kind, 'exec');
  assert.deepEqual(routeStreaming('/attach/ns/p/c?input=1&tty=1&error=1'), {
    kind: 'attach',
    target: { namespace: 'ns', pod: 'p', container: 'c' },
    options: { stdin: true, stdout: false, stderr: false, tty: true },
  });
  assert.deepEqual(routeStreaming('/portForward/ns/p'), {
    kind: 'portforward',
    target: { namespace: 'ns', pod: 'p' },
  });
  assert.deepEqual(routeStreaming('/portForward/ns/p/uid'), {
    kind: 'portforward',
    target: { namespace: 'ns', pod: 'p' },
  });
  for (const [url, message] of [
    ['/exec/ns/p?output=1&command=ls', /expected \/exec\/<namespace>\/<pod>\/<container>/],
    ['/portForward/ns', /expected \/portForward\/<namespace>\/<pod>/],
    ['/exec/NS/p/c?output=1&command=ls', /"NS" is not a valid name/],
    ['/exec/ns/p/%E0%A4%A?output=1&command=ls', /malformed percent-encoding/],
    ['/exec/ns/p/c?output=1', /no command given/],
    ['/exec/ns/p/c?command=ls', /at least 1 of stdin, stdout, stderr/],
    [`/exec/ns/p/c?output=1&command=${'a'.repeat(257)}`, /at most 256 characters; argument 1 has 257/],
  ] as const) {
    const r = routeStreaming(url);
    assert.equal(r.kind, 'bad-request', url);
    if (r.kind === 'bad-request') assert.match(r.message, message, url);
  }
  assert.deepEqual(routeStreaming('/containerLogs/ns/p/c'), { kind: 'not-streaming' });
  assert.deepEqual(routeStreaming('/execs/ns/p/c'), { kind: 'not-streaming' });
});

test('negotiateProtocol: the first offered that is supported, across repeated and comma-separated headers', () => {
  assert.equal(
    negotiateProtocol(
      ['v5.channel.k8s.io, v4.channel.k8s.io', 'v3.channel.k8s.io'],
      REMOTE_COMMAND_PROTOCOLS,
    ),
    'v4.channel.k8s.io',
  );
  assert.equal(
    negotiateProtocol(['channel.k8s.io', 'v4.channel.k8s.io'], REMOTE_COMMAND_PROTOCOLS),
    'channel.k8s.io',
  );
  assert.equal(negotiateProtocol(['v5.channel.k8s.io'], REMOTE_COMMAND_PROTOCOLS), undefined);
  assert.equal(negotiateProtocol(undefined, REMOTE_COMMAND_PROTOCOLS), undefined);
});

test('expectedRoles: stderr never with a TTY; resize only with a TTY from v3', () => {
  const all = { stdin: true, stdout: true, stderr: true, tty: false };
  assert.deepEqual(expectedRoles('v4.channel.k8s.io', all), ['error', 'stdin', 'stdout', 'stderr']);
  assert.deepEqual(expectedRoles('v4.channel.k8s.io', { ...all, tty: true }), [
    'error',
    'stdin',
    'stdout',
    'resize',
  ]);
  assert.deepEqual(expectedRoles('v3.channel.k8s.io', { ...all, tty: true }), [
    'error',
    'stdin',
    'stdout',
    'resize',
  ]);
  assert.deepEqual(expectedRoles('v2.channel.k8s.io', { ...all, tty: true }), ['error', 'stdin', 'stdout']);
  assert.deepEqual(
    expectedRoles('channel.k8s.io', { stdin: false, stdout: true, stderr: false, tty: false }),
    ['error', 'stdout'],
  );
});

test('exitMessage: a v4 Status (uint8 exit code in causes) or v1-v3 text only on failure', () => {
  assert.equal(exitMessage('v4.channel.k8s.io', { code: 0 }, ['true']), '{"metadata":{},"status":"Success"}');
  assert.deepEqual(JSON.parse(exitMessage('v4.channel.k8s.io', { error: 'session lost' }, ['x'])), {
    metadata: {},
    status: 'Failure',
    message: 'Internal error occurred: session lost',
    reason: 'InternalError',
    details: { causes: [{ message: 'session lost' }] },
    code: 500,
  });
  assert.equal(exitMessage('v3.channel.k8s.io', { code: 0 }, ['true']), '');
  assert.equal(exitMessage('v2.channel.k8s.io', { code: 2 }, ['ls', 'x']), "command 'ls x' exited with 2");
  assert.equal(exitMessage('channel.k8s.io', { error: 'gone' }, ['x']), 'gone');
});

test('parseResizeLines: complete lines only; junk drops the stream', () => {
  assert.deepEqual(parseResizeLines('{"Width":1,"Height":2}\n{"Wid'), {
    sizes: [{ width: 1, height: 2 }],
    rest: '{"Wid',
  });
  assert.deepEqual(parseResizeLines('\n'), { sizes: [], rest: '' });
  assert.match(parseResizeLines('nope\n').bad ?? '', /not JSON/);
  assert.match(parseResizeLines('{"Width":-1,"Height":2}\n').bad ?? '', /integer Width and Height/);
  assert.match(parseResizeLines('{'.repeat(2000)).bad ?? '', /too long/);
});

test('parsePort: 1..65535 only', () => {
  assert.equal(parsePort('80'), 80);
  assert.equal(parsePort('65535'), 65535);
  assert.equal(parsePort(undefined), 'the port header is missing');
  assert.equal(parsePort('0'), 'port 0 is out of range');
  assert.equal(parsePort('70000'), 'port 70000 is out of range');
  assert.equal(parsePort('8o'), 'invalid port "8o"');
});
