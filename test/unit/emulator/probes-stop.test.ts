// A deleted container keeps its readiness probe until its process exits, as the kubelet
// does; liveness and startup probes stop at once (issue 18).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { runProbes } from '../../../emulator/process/probes.ts';

test(
  'stopping with keepReadiness stops liveness but keeps readiness until the full stop',
  { timeout: 30_000 },
  async () => {
    let connections = 0;
    let waiter: (() => void) | undefined;
    const server = createServer((s) => {
      connections++;
      s.destroy();
      waiter?.();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const until = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (connections >= n ? resolve() : undefined);
        waiter = check;
        check();
      });
    const kills: string[] = [];
    const readiness: boolean[] = [];
    const stop = runProbes(
      {
        readiness: { TcpSocket: { Port: port }, PeriodSeconds: 1 },
        // A closed port: would kill the container at its first check.
        liveness: { TcpSocket: { Port: 1 }, PeriodSeconds: 1, FailureThreshold: 1 },
      },
      {
        ip: '127.0.0.1',
        pid: () => 1,
        setReady: (r) => readiness.push(r),
        kill: (kind) => kills.push(kind),
        event: () => undefined,
      },
    );
    stop(true); // the container is being deleted
    await until(2); // readiness went on probing
    assert.deepEqual(kills, []);
    assert.deepEqual(readiness, [true]);
    stop();
    const after = connections;
    server.close();
    await once(server, 'close');
    assert.equal(connections, after);
  },
);
