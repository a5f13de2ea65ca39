// The whole kubelet API of an ECI node through the real API server with the built kubectl,
// the reconciler in-process with auth on and a verified serving certificate, the emulator in
// process mode (real processes, reachable pod IPs, exec through ExecContainerCommand's
// WebSocket): exec (exit code, 1 MB of stdin, a TTY session with a resize), attach (refused
// with the reason), port-forward on two ports, logs -f and its flags, /pods and /runningpods/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { skipUnlessProcessMode } from '../process/helpers.ts';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, type Stack } from '../reconciler/stack.ts';

let stack: Stack;
let ns: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built kubectl against the test cluster; resolves with its exit code and output. */
function kubectl(args: string[], o: { input?: Buffer; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      stack.cp.kubectlPath,
      ['--kubeconfig', stack.cp.kubeconfigPath, ...args],
      { maxBuffer: 64 * 1024 * 1024, timeout: o.timeoutMs ?? 120_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code ?? null) : 0;
        if (err && typeof code !== 'number') return reject(err);
        resolve({ code: code as number, stdout, stderr });
      },
    );
    child.stdin?.end(o.input);
  });
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function createRunning(pod: V1Pod): Promise<void> {
  await stack.core.createNamespacedPod({ namespace: ns, body: pod });
  const name = pod.metadata!.name!;
  await eventually(
    `${name} Running`,
    async () => (await stack.core.readNamespacedPod({ name, namespace: ns })).status?.phase === 'Running',
    120_000,
  );
}

describe('the ECI node through the API server (process mode)', { skip: skipUnlessProcessMode }, () => {
  before(async () => {
    stack = await startStack({
      emulator: {
        containers: 'process',
        quotas: false, // logs -f polls faster than the per-minute log quota
        zones: ['cn-hangzhou-h', 'cn-hangzhou-i'],
        vSwitches: [
          { vSwitchId: 'vsw-emu-h', zoneId: 'cn-hangzhou-h', vpcId: 'vpc-emu', cidr: '10.245.0.0/24' },
          { vSwitchId: 'vsw-emu-i', zoneId: 'cn-hangzhou-i', vpcId: 'vpc-emu', cidr: '10.246.0.0/24' },
        ],
      },
    });
    await stack.startReconciler();
    ns = await createNamespace(stack.cp.kubeConfig, 'eci-streaming');
    await createRunning(
      eciPod(stack, 'shell', { image: 'busybox:1.36', command: ['sh', '-c', 'sleep 3600'] }),
    );
  });

  after(async () => {
    if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
    await stack?.stop();
  });

  test('kubectl exec: the output of both streams, and the exit code 3', async () => {
    const r = await kubectl(['exec', '-n', ns, 'shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    // ECI's exec socket has one output stream (docs/kubelet-api.md): stderr arrives on stdout.
    assert.equal(r.stdout, 'out\nerr\n');
    assert.match(r.stderr, /command terminated with exit code 3/);
  });

  test('kubectl exec -i: 1 MB of stdin reaches the command whole', async () => {
    const input = randomBytes(1024 * 1024);
    const r = await kubectl(['exec', '-i', '-n', ns, 'shell', '--', 'sha256sum'], { input });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split(/\s/)[0], createHash('sha256').update(input).digest('hex'));
    const count = await kubectl(['exec', '-i', '-n', ns, 'shell', '--', 'wc', '-c'], { input });
    assert.equal(count.stdout.trim(), String(input.length));
  });

  test('kubectl exec -it on a terminal: an interactive shell, a resize on the way, its exit code', async () => {
    // kubectl wants a terminal on its stdin for -t: python's pty module gives it one, then
    // resizes it (kubectl sends the new size; ECI's socket has no resize, the session goes on).
    const script = `
import os, pty, sys, time, fcntl, termios, struct, signal
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b''
def read_for(seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        out += chunk
    return True
import select
def pump(seconds):
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            globals()['out'] += chunk
pump(3)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
os.kill(pid, signal.SIGWINCH)
pump(1)
os.write(fd, b'echo tty-$((6*7))\\n')
pump(3)
os.write(fd, b'exit 5\\n')
pump(10)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf8', 'replace'))
sys.stdout.write('\\nEXIT %d\\n' % os.waitstatus_to_exitcode(status))
`;
    const args = [
      'python3',
      '-c',
      script,
      stack.cp.kubectlPath,
      '--kubeconfig',
      stack.cp.kubeconfigPath,
      'exec',
      '-it',
      '-n',
      ns,
      'shell',
      '--',
      'sh',
    ];
    const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await once(child, 'close');
    assert.match(out, /tty-42/, out);
    assert.match(out, /EXIT 5/, out);
  });

  test('kubectl attach: refused with the reason (ECI has no attach)', async () => {
    const r = await kubectl(['attach', '-n', ns, 'shell', '-c', 'main'], { timeoutMs: 60_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /attach is not supported for ECI containers; use exec/);
  });

  test('kubectl port-forward with two ports: each answers with the pod at its own port', async () => {
    const pod = eciPod(stack, 'web', { image: 'nginx:1.27' });
    pod.spec!.containers[0]!.ports = [{ containerPort: 80 }, { containerPort: 8080 }];
    // Running comes a moment before the server listens: wait until the pod is Ready.
    pod.spec!.containers[0]!.readinessProbe = { tcpSocket: { port: 8080 }, periodSeconds: 1 };
    await createRunning(pod);
    await eventually(
      'web Ready',
      async () =>
        (await stack.core.readNamespacedPod({ name: 'web', namespace: ns })).status?.conditions?.find(
          (c) => c.type === 'Ready',
        )?.status === 'True',
      60_000,
    );
    const [a, b] = [await freeTcpPort(), await freeTcpPort()];
    const pf = spawn(
      stack.cp.kubectlPath,
      ['--kubeconfig', stack.cp.kubeconfigPath, 'port-forward', '-n', ns, 'pod/web', `${a}:80`, `${b}:8080`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let said = '';
      pf.stdout.on('data', (d: Buffer) => (said += d.toString()));
      pf.stderr.on('data', (d: Buffer) => (said += d.toString()));
      await eventually('port-forward listening', async () => said.includes(`:${b} -> 8080`));
      for (const [local, remote] of [
        [a, 80],
        [b, 8080],
      ] as const) {
        const body = await fetch(`http://127.0.0.1:${local}/`)
          .then((res) => res.text())
          .catch((err: Error) =>
            assert.fail(`GET through ${local} -> ${remote}: ${err.message}; kubectl said: ${said}`),
          );
        // The emulator's web server names the group (namespace-pod-…) and the port it answers on.
        assert.match(body, new RegExp(`^eci-emulator web server: pod ${ns}-web-\\S+ port ${remote}\\n$`));
      }
    } finally {
      pf.kill();
    }
  });

  test('kubectl logs -f shows lines as they come and ends with the container; --tail=0, --since, --timestamps, --limit-bytes', async () => {
    await createRunning(
      eciPod(stack, 'ticker', {
        image: 'busybox:1.36',
        restartPolicy: 'Never',
        command: ['sh', '-c', 'for i in 1 2 3 4 5 6; do echo tick-$i; sleep 1; done'],
      }),
    );
    const follow = spawn(
      stack.cp.kubectlPath,
      ['--kubeconfig', stack.cp.kubeconfigPath, 'logs', '-f', '-n', ns, 'ticker'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let followed = '';
    const seenAt: number[] = [];
    follow.stdout.on('data', (d: Buffer) => {
      followed += d.toString();
      seenAt.push(followed.split('\n').length);
    });
    // While it runs: the other flags on the same log.
    await eventually('two ticks logged', async () =>
      (await kubectl(['logs', '-n', ns, 'ticker'])).stdout.includes('tick-2'),
    );
    assert.equal((await kubectl(['logs', '-n', ns, 'ticker', '--tail=0'])).stdout, '');
    const stamped = (await kubectl(['logs', '-n', ns, 'ticker', '--timestamps'])).stdout;
    assert.match(stamped, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z tick-1$/m);
    assert.equal((await kubectl(['logs', '-n', ns, 'ticker', '--limit-bytes=5'])).stdout, 'tick-');
    assert.match((await kubectl(['logs', '-n', ns, 'ticker', '--since=1h'])).stdout, /^tick-1$/m);
    const [code] = (await once(follow, 'close')) as [number];
    assert.equal(code, 0);
    assert.equal(followed, 'tick-1\ntick-2\ntick-3\ntick-4\ntick-5\ntick-6\n');
    // The lines arrived in more than one piece: followed, not one snapshot at the end.
    assert.ok(seenAt.length > 1, `one chunk only: ${JSON.stringify(followed)}`);
  });

  test('/pods and /runningpods/ through the node proxy: PodLists of the node', async () => {
    const get = async (path: string) => {
      const r = await kubectl(['get', '--raw', `/api/v1/nodes/${stack.nodeName}/proxy/${path}`]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { kind: string; items: V1Pod[] };
    };
    const pods = await get('pods');
    assert.equal(pods.kind, 'PodList');
    const shell = pods.items.find((p) => p.metadata?.name === 'shell' && p.metadata.namespace === ns);
    assert.equal(shell?.status?.phase, 'Running');
    assert.equal(shell?.spec?.nodeName, stack.nodeName);
    const running = await get('runningpods/');
    const runningShell = running.items.find(
      (p) => p.metadata?.name === 'shell' && p.metadata.namespace === ns,
    );
    assert.deepEqual(runningShell?.spec?.containers, [
      { name: 'main', image: 'busybox:1.36', resources: {} },
    ]);
    assert.equal(runningShell?.metadata?.uid, shell?.metadata?.uid);
    const missing = await kubectl(['get', '--raw', `/api/v1/nodes/${stack.nodeName}/proxy/spec/`]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /NotFound|not found/i);
  });
});
