// The WebSocket that ExecContainerCommand's WebSocketUri points at. A one-shot
// command sends its simulated output and closes; an interactive shell (`sh`,
// `bash` without -c) interprets each text message as a script line. In process
// mode the command really runs in the container (emulator/process/exec.ts).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { simulateExec } from './actions/observe.ts';
import type { EmulatorCore } from './core.ts';
import { isProcessBacked } from './lifecycle/container-state.ts';
import { execOverWebSocket } from './process/exec.ts';
import { parseStatement, splitScript } from './simulation.ts';

const SHELLS = new Set(['sh', '/bin/sh', 'bash', '/bin/bash', 'ash', '/bin/ash']);
const PID_WAIT_MS = 5_000;

/** The container's PID once published, or undefined if it does not appear in time. */
async function waitForPid(
  core: EmulatorCore,
  groupId: string,
  container: string,
): Promise<number | undefined> {
  const deadline = Date.now() + PID_WAIT_MS;
  for (;;) {
    const pid = core.processes?.containerPid(groupId, container);
    if (pid !== undefined || Date.now() >= deadline) return pid;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function attachExecServer(server: Server, core: EmulatorCore): { close(): void } {
  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const m = /^\/_exec\/([0-9a-f]{32})$/.exec(req.url ?? '');
    const session = m ? core.execSessions.get(m[1] as string) : undefined;
    if (!session || session.expiresAt < core.now()) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    core.execSessions.delete(session.token);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      let group;
      try {
        group = core.group(session.containerGroupId);
      } catch {
        ws.close(1011, 'container group not found');
        return;
      }
      const interactive = session.command.length === 1 && SHELLS.has(session.command[0] ?? '');
      const runtime = group.containers.find((c) => c.name === session.containerName);
      if (runtime && isProcessBacked(group, runtime)) {
        // A real process: never the simulation. The group may report Running a moment before
        // the container's PID is published; wait for it rather than answer for it.
        void waitForPid(core, group.id, session.containerName).then((pid) => {
          if (pid === undefined) ws.close(1011, 'container is not running');
          else
            execOverWebSocket(
              ws,
              pid,
              session.command,
              interactive ? 'lines' : session.stdin ? 'bytes' : 'none',
            );
        });
        return;
      }
      if (!interactive) {
        ws.send(simulateExec(group, session.containerName, session.command), () => ws.close(1000, 'exit 0'));
        return;
      }
      ws.on('message', (data) => {
        for (const stmt of splitScript(String(data))) {
          const step = parseStatement(stmt);
          if (step.kind === 'exit') {
            ws.close(1000, `exit ${step.code}`);
            return;
          }
          const out = simulateExec(group, session.containerName, stmt.split(/\s+/));
          if (step.kind === 'echo') ws.send(`${step.text}\n`);
          else if (out) ws.send(out);
        }
      });
    });
  };
  server.on('upgrade', onUpgrade);
  return {
    close() {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
