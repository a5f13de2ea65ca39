// What the streaming endpoints need from whatever runs the containers: the node's ECI
// bridge in production (ExecContainerCommand, the pod's VPC address), an in-memory fake in
// tests. The SPDY (and later WebSocket) layers only move bytes between these and the client.
import type { Duplex, Readable, Writable } from 'node:stream';

export interface ContainerTarget {
  namespace: string;
  pod: string;
  container: string;
}

export interface PodTarget {
  namespace: string;
  pod: string;
}

/** How a command ended: its exit code, or why none is known (never a made-up code). */
export type ExecExit = { code: number } | { error: string };

/** A running exec or attach session. Streams the client did not ask for may be absent. */
export interface ExecSession {
  stdin?: Writable;
  stdout?: Readable;
  /** Absent with a TTY: the terminal merges it into stdout. */
  stderr?: Readable;
  resize?(width: number, height: number): void;
  exit: Promise<ExecExit>;
  /** The client went away: stop the command's session. */
  abort(): void;
}

export interface ExecOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface StreamingBackend {
  /** Rejects with a message fit for the client when the command cannot start. */
  exec(target: ContainerTarget, o: ExecOptions): Promise<ExecSession>;
  /** Attach to the container's main process; absent when the runtime cannot. */
  attach?(target: ContainerTarget, o: Omit<ExecOptions, 'command'>): Promise<ExecSession>;
  /** A byte stream to `port` of the pod; rejects with a message fit for the client. */
  portForward(target: PodTarget, port: number): Promise<Duplex>;
}
