// Pure WebSocket channel decisions on byte fixtures: subprotocol choice, message framing
// (binary and base64), v5's close signal, the port-forward `ports` query and port prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeChannelMessage,
  encodeChannelMessage,
  negotiateWebSocket,
  offeredSubprotocols,
  parsePortsQuery,
  portPrefix,
} from '../../../../../reconciler/kubelet/websocket/channel-frames.ts';
import { upgradeTransport } from '../../../../../reconciler/kubelet/streaming/upgrades.ts';

test('negotiateWebSocket: v5 wherever offered, else the first supported; none offered is binary v1', () => {
  const table: [Parameters<typeof negotiateWebSocket>, unknown][] = [
    [
      ['exec', ['v4.channel.k8s.io', 'v5.channel.k8s.io']],
      { mode: 'channels', protocol: 'v5.channel.k8s.io', codec: 'binary', closeSignal: true, status: 'v4' },
    ],
    [
      ['attach', ['v4.base64.channel.k8s.io', 'v4.channel.k8s.io']],
      {
        mode: 'channels',
        protocol: 'v4.base64.channel.k8s.io',
        codec: 'base64',
        closeSignal: false,
        status: 'v4',
      },
    ],
    [
      ['exec', ['nope', 'base64.channel.k8s.io']],
      {
        mode: 'channels',
        protocol: 'base64.channel.k8s.io',
        codec: 'base64',
        closeSignal: false,
        status: 'v1',
      },
    ],
    [['exec', []], { mode: 'channels', protocol: '', codec: 'binary', closeSignal: false, status: 'v1' }],
    [
      ['portforward', ['SPDY/3.1+portforward.k8s.io']],
      { mode: 'tunnel', protocol: 'SPDY/3.1+portforward.k8s.io' },
    ],
    [
      ['portforward', ['v4.channel.k8s.io']],
      { mode: 'channels', protocol: 'v4.channel.k8s.io', codec: 'binary', closeSignal: false, status: 'v4' },
    ],
  ];
  for (const [args, want] of table) assert.deepEqual(negotiateWebSocket(...args), want, JSON.stringify(args));
  const refused = negotiateWebSocket('exec', ['v9.channel.k8s.io', 'SPDY/3.1+portforward.k8s.io']);
  assert.equal(refused.mode, 'refused');
  assert.match(
    (refused as { message: string }).message,
    /offered WebSocket subprotocols is supported: v9\.channel\.k8s\.io, SPDY\/3\.1\+portforward\.k8s\.io; supported: v5\.channel\.k8s\.io/,
  );
  assert.equal(negotiateWebSocket('portforward', ['v5.channel.k8s.io']).mode, 'refused');
  assert.deepEqual(offeredSubprotocols(' v5.channel.k8s.io, v4.channel.k8s.io ,,'), [
    'v5.channel.k8s.io',
    'v4.channel.k8s.io',
  ]);
  assert.deepEqual(offeredSubprotocols(undefined), []);
});

test('encodeChannelMessage: a channel byte before the data; base64 is a digit before base64 text', () => {
  assert.deepEqual(encodeChannelMessage('binary', 1, Buffer.from('hi')), Buffer.from([1, 0x68, 0x69]));
  assert.deepEqual(encodeChannelMessage('binary', 3, Buffer.alloc(0)), Buffer.from([3]));
  assert.equal(encodeChannelMessage('base64', 2, Buffer.from('hi')), '2aGk=');
  assert.equal(encodeChannelMessage('base64', 1, Buffer.alloc(0)), '1');
});

test('decodeChannelMessage: data, v5 close, empty and invalid messages', () => {
  assert.deepEqual(decodeChannelMessage('binary', true, Buffer.from([0, 0x61, 0x62])), {
    kind: 'data',
    channel: 0,
    data: Buffer.from('ab'),
  });
  assert.deepEqual(decodeChannelMessage('binary', true, Buffer.from([255, 0])), {
    kind: 'close',
    channel: 0,
  });
  // Before v5, 255 is only a channel number (out of range: dropped by the caller).
  assert.deepEqual(decodeChannelMessage('binary', false, Buffer.from([255, 0])), {
    kind: 'data',
    channel: 255,
    data: Buffer.from([0]),
  });
  assert.equal(decodeChannelMessage('binary', true, Buffer.from([255, 0, 1])).kind, 'invalid');
  assert.equal(decodeChannelMessage('binary', true, Buffer.from([255])).kind, 'invalid');
  assert.deepEqual(decodeChannelMessage('binary', true, Buffer.alloc(0)), { kind: 'empty' });
  assert.deepEqual(decodeChannelMessage('base64', false, Buffer.from('0aGk=')), {
    kind: 'data',
    channel: 0,
    data: Buffer.from('hi'),
  });
  assert.deepEqual(decodeChannelMessage('base64', false, Buffer.from('4')), {
    kind: 'data',
    channel: 4,
    data: Buffer.alloc(0),
  });
  assert.equal(decodeChannelMessage('base64', false, Buffer.from('0a!==')).kind, 'invalid');
  assert.equal(decodeChannelMessage('base64', false, Buffer.from('0abc')).kind, 'invalid');
  assert.equal(decodeChannelMessage('base64', false, Buffer.from('xaGk=')).kind, 'invalid');
});

test('parsePortsQuery: repeated and comma-separated ports; clear errors', () => {
  assert.deepEqual(parsePortsQuery('/portForward/ns/p?ports=80,8080&ports=9090'), [80, 8080, 9090]);
  assert.equal(parsePortsQuery('/portForward/ns/p'), 'query parameter "ports" is required');
  assert.equal(parsePortsQuery('/portForward/ns/p?ports='), 'query parameter "ports" cannot be empty');
  assert.equal(parsePortsQuery('/portForward/ns/p?ports=0'), 'unable to parse "0" as a port');
  assert.equal(parsePortsQuery('/portForward/ns/p?ports=65536'), 'unable to parse "65536" as a port');
  assert.equal(parsePortsQuery('/portForward/ns/p?ports=http'), 'unable to parse "http" as a port');
  const many = Array.from({ length: 129 }, (_, i) => i + 1).join(',');
  assert.match(parsePortsQuery(`/portForward/ns/p?ports=${many}`) as string, /at most 128 ports/);
});

test('portPrefix: the port as two little-endian bytes', () => {
  assert.deepEqual(portPrefix(80), Buffer.from([80, 0]));
  assert.deepEqual(portPrefix(8080), Buffer.from([0x90, 0x1f]));
  assert.deepEqual(portPrefix(65535), Buffer.from([0xff, 0xff]));
});

test('upgradeTransport: SPDY/3.1 or WebSocket, only with Connection: Upgrade', () => {
  const table: [Record<string, string>, string | undefined][] = [
    [{ connection: 'Upgrade', upgrade: 'SPDY/3.1' }, 'SPDY/3.1'],
    [{ connection: 'keep-alive, Upgrade', upgrade: 'websocket' }, 'websocket'],
    [{ connection: 'upgrade', upgrade: 'WebSocket' }, 'websocket'],
    [{ connection: 'keep-alive', upgrade: 'websocket' }, undefined],
    [{ connection: 'Upgrade', upgrade: 'h2c' }, undefined],
    [{}, undefined],
  ];
  for (const [headers, want] of table)
    assert.equal(upgradeTransport({ headers }), want, JSON.stringify(headers));
});
