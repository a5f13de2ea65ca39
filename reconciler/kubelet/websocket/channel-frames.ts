// Pure: the WebSocket channel protocols of the kubelet's streaming endpoints (docs/kubelet-api.md,
// "WebSocket"): which subprotocol to speak for an offer, how one message names its channel
// (a leading byte, or a leading ASCII digit before base64 text), v5's close signal, and the
// `ports` query of port-forward. Total: bad input is a value, never a throw.

/** Exec/attach subprotocols the kubelet serves over WebSocket, plus v5 (the node serves it itself). */
export const REMOTE_COMMAND_WS_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'channel.k8s.io',
  'base64.channel.k8s.io',
] as const;
/** Port-forward channel subprotocols (plus none at all, which reads as binary). */
export const PORT_FORWARD_WS_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'] as const;
/** `SPDY/3.1+<spdy protocol>`: the WebSocket carries raw SPDY bytes (port-forward only). */
export const TUNNEL_PREFIX = 'SPDY/3.1+';
/** The kubelet's channel numbers for exec and attach. */
export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 } as const;
/** v5: `[255, channel]` means the client will send nothing more on `channel`. */
export const CLOSE_SIGNAL = 255;

export type Codec = 'binary' | 'base64';

export type WsNegotiation =
  | {
      mode: 'channels';
      /** '' when the client offered none (the kubelet then speaks binary channel.k8s.io). */
      protocol: string;
      codec: Codec;
      /** v5 only: the client may half-close a channel. */
      closeSignal: boolean;
      /** How the outcome of a command is written: v4 a Status JSON, v1 plain text on failure only. */
      status: 'v4' | 'v1';
    }
  | { mode: 'tunnel'; protocol: string }
  | { mode: 'refused'; message: string };

/** Pure: the values of Sec-WebSocket-Protocol (one header, comma-separated). */
export function offeredSubprotocols(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function channelsOf(protocol: string): Extract<WsNegotiation, { mode: 'channels' }> {
  return {
    mode: 'channels',
    protocol,
    codec: protocol.includes('base64') ? 'base64' : 'binary',
    closeSignal: protocol === 'v5.channel.k8s.io',
    status: protocol.startsWith('v4.') || protocol.startsWith('v5.') ? 'v4' : 'v1',
  };
}

/**
 * Pure: what to speak for `offered`. v5 wins wherever it is offered (the kubelet sends any
 * offer holding v5 to its v5 translator); otherwise the first offered that is supported, as
 * k8s.io/streaming wsstream's handshake picks it. Port-forward takes the SPDY tunnel when it is
 * offered (kubectl 1.30+), else the channel protocols.
 */
export function negotiateWebSocket(
  kind: 'exec' | 'attach' | 'portforward',
  offered: string[],
): WsNegotiation {
  if (kind === 'portforward') {
    if (offered.includes(`${TUNNEL_PREFIX}portforward.k8s.io`))
      return { mode: 'tunnel', protocol: `${TUNNEL_PREFIX}portforward.k8s.io` };
    if (offered.length === 0) return channelsOf('');
    const chosen = offered.find((p) => (PORT_FORWARD_WS_PROTOCOLS as readonly string[]).includes(p));
    if (chosen) return channelsOf(chosen);
    return refusal(offered, [`${TUNNEL_PREFIX}portforward.k8s.io`, ...PORT_FORWARD_WS_PROTOCOLS]);
  }
  if (offered.length === 0) return channelsOf('');
  if (offered.includes('v5.channel.k8s.io')) return channelsOf('v5.channel.k8s.io');
  const chosen = offered.find((p) => (REMOTE_COMMAND_WS_PROTOCOLS as readonly string[]).includes(p));
  if (chosen) return channelsOf(chosen);
  return refusal(offered, REMOTE_COMMAND_WS_PROTOCOLS);
}

function refusal(offered: string[], supported: readonly string[]): WsNegotiation {
  const shown = offered.map((p) => p.slice(0, 64)).join(', ');
  return {
    mode: 'refused',
    message: `none of the offered WebSocket subprotocols is supported: ${shown}; supported: ${supported.join(', ')}`,
  };
}

/** Pure: one message carrying `data` on `channel` (binary: a Buffer; base64: text). */
export function encodeChannelMessage(codec: Codec, channel: number, data: Buffer): Buffer | string {
  if (codec === 'base64') return String.fromCharCode(48 + channel) + data.toString('base64');
  const message = Buffer.allocUnsafe(data.length + 1);
  message[0] = channel;
  data.copy(message, 1);
  return message;
}

export type ChannelMessage =
  | { kind: 'data'; channel: number; data: Buffer }
  | { kind: 'close'; channel: number }
  /** An empty message: the kubelet skips it. */
  | { kind: 'empty' }
  | { kind: 'invalid'; reason: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Pure: a message from the client, as k8s.io/streaming wsstream reads it. */
export function decodeChannelMessage(codec: Codec, closeSignal: boolean, message: Buffer): ChannelMessage {
  if (message.length === 0) return { kind: 'empty' };
  if (closeSignal && message[0] === CLOSE_SIGNAL) {
    if (message.length !== 2)
      return { kind: 'invalid', reason: 'a close signal carries exactly one channel byte' };
    return { kind: 'close', channel: message[1]! };
  }
  if (codec === 'binary') return { kind: 'data', channel: message[0]!, data: message.subarray(1) };
  const channel = message[0]! - 48;
  if (channel < 0 || channel > 9)
    return { kind: 'invalid', reason: 'a base64 message starts with a channel digit' };
  const text = message.subarray(1).toString('latin1');
  if (text.length % 4 !== 0 || !BASE64.test(text))
    return { kind: 'invalid', reason: 'the payload is not base64' };
  return { kind: 'data', channel, data: Buffer.from(text, 'base64') };
}

/** Pure: the ports of a port-forward over WebSocket (`?ports=80,8080&ports=9090`), or why not. */
export function parsePortsQuery(rawUrl: string): number[] | string {
  const q = rawUrl.indexOf('?');
  const values = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)).getAll('ports');
  if (values.length === 0) return 'query parameter "ports" is required';
  const ports: number[] = [];
  for (const value of values) {
    if (value === '') return 'query parameter "ports" cannot be empty';
    for (const p of value.split(',')) {
      const port = /^[0-9]{1,5}$/.test(p) ? Number(p) : NaN;
      if (!(port >= 1 && port <= 65535)) return `unable to parse ${JSON.stringify(p.slice(0, 16))} as a port`;
      ports.push(port);
    }
  }
  // Two channels per port, numbered in one byte.
  if (ports.length > 128) return `at most 128 ports per connection; got ${ports.length}`;
  return ports;
}

/** Pure: the first message of both channels of a forwarded port: the port, little-endian. */
export function portPrefix(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
}
