// The bounds of the kubelet port, so neither a flood nor a slow client (slowloris) can exhaust
// it: a crash or a stall there would stop the node's lease renewal (reconciler/kubelet-api.ts).
import { ECI_MAX_LOG_BYTES } from '../logs.ts';

export interface KubeletApiLimits {
  /**
   * Log requests being answered at once; beyond it the port answers 429 with Retry-After
   * (429, not 503: the node is healthy, its callers are asking too much). A slot is held
   * until the response is done AND the ECI call has settled, so an aborted client does not
   * free memory that an ECI answer still occupies.
   */
  maxInFlight: number;
  /** Bytes of log one request may ask ECI for and hold (limitBytes is clamped to it); at most ECI's 1 MiB. */
  maxLogBytes: number;
  /** Open connections, HTTP/1.1 and HTTP/2 alike; the server stops accepting beyond it. */
  maxConnections: number;
  /** HTTP/1.1 request line + headers (node's maxHeaderSize; beyond it 431), or an HTTP/2 header list. */
  maxHeaderBytes: number;
  /** TLS handshake, then (HTTP/1.1) the request headers, then the whole request must arrive within these. */
  handshakeTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** `logs -f` requests streaming at once (they do not hold maxInFlight slots); beyond it 429. */
  maxFollowing: number;
  /** How often a followed log is polled. */
  followPollMs: number;
  /** An idle HTTP/1.1 keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /**
   * A connection (HTTP/1.1) or session (HTTP/2) with no traffic either way (a client that
   * stops reading) is closed after this.
   */
  idleTimeoutMs: number;
  /** The same for an exec/attach/port-forward session (the kubelet's streamingConnectionIdleTimeout). */
  streamIdleTimeoutMs: number;
}

/** 16 requests × 1 MiB (held two or three times over while the SDK parses) is small beside the pod's memory limit. */
const DEFAULT_KUBELET_LIMITS: KubeletApiLimits = {
  maxInFlight: 16,
  maxFollowing: 32,
  followPollMs: 1_000,
  maxLogBytes: ECI_MAX_LOG_BYTES,
  maxConnections: 256,
  maxHeaderBytes: 16 * 1024,
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 15_000,
  idleTimeoutMs: 60_000,
  // The kubelet's default: an interactive shell may sit idle; TCP keep-alive finds dead peers.
  streamIdleTimeoutMs: 4 * 60 * 60_000,
};

/** The limits asked for over the defaults; a log is never read past ECI's own maximum. */
export function resolveKubeletLimits(asked: Partial<KubeletApiLimits> = {}): KubeletApiLimits {
  const limits = { ...DEFAULT_KUBELET_LIMITS, ...asked };
  limits.maxLogBytes = Math.min(limits.maxLogBytes, ECI_MAX_LOG_BYTES);
  return limits;
}
