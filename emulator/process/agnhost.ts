// A stand-in for Kubernetes' e2e test image agnhost in process mode: the subcommands the
// node conformance specs run (https://github.com/kubernetes/kubernetes/tree/master/test/images/agnhost),
// with the same flags, answers and exit behaviour. Run inside the container as
// `node agnhost.ts <argv0> <subcommand> [flags]` by the /agnhost launcher; node builtins only,
// because only this directory and node itself are visible in the container.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { hostname } from 'node:os';

const [argv0 = '/agnhost', subcommand = 'pause', ...rest] = process.argv.slice(2);

/** `--name=value` or `--name value` (Go's flag package accepts both, one or two dashes). */
function flag(name: string, fallback: string): string {
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? '';
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(a);
    if (!m || m[1] !== name) continue;
    return m[2] ?? rest[i + 1] ?? fallback;
  }
  return fallback;
}

function exitOnSignals(): void {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
}

/** With a certificate and key (netexec's --tls-cert-file/--tls-private-key-file), HTTPS instead of HTTP. */
interface Tls {
  cert: string;
  key: string;
}

function serve(
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse, url: URL) => void,
  tls?: Tls,
): void {
  const listener: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // As agnhost logs a request (the lifecycle-hook specs look for `GET /echo?msg=prestop`).
    process.stdout.write(`${req.method ?? 'GET'} ${req.url ?? '/'}\n`);
    handle(req, res, url);
  };
  const server = tls
    ? createTlsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, listener)
    : createServer(listener);
  const kind = tls ? 'HTTPS' : 'HTTP';
  server.listen(port, '0.0.0.0', () => process.stdout.write(`Started ${kind} server on port ${port}\n`));
}

function tlsFlags(): Tls | undefined {
  const cert = flag('tls-cert-file', '');
  return cert ? { cert, key: flag('tls-private-key-file', '') } : undefined;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

/** As Go's http.Redirect answers a GET (the probe specs expect its body in the ProbeWarning event). */
function redirect(res: ServerResponse, location: string): void {
  const entities: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&#34;',
    "'": '&#39;',
  };
  const escaped = location.replace(/[&<>"']/g, (c) => entities[c] ?? c);
  res.writeHead(302, { location, 'content-type': 'text/html; charset=utf-8' });
  res.end(`<a href="${escaped}">Found</a>.\n\n`);
}

const started = Date.now();

const subcommands: Record<string, () => void> = {
  // Sleeps until told to stop.
  pause() {
    exitOnSignals();
    process.stdout.write('Paused\n');
    setInterval(() => {}, 1 << 30);
  },
  // Prints its own argv as Go prints a []string.
  'entrypoint-tester'() {
    process.stdout.write(`[${[argv0, subcommand, ...rest].join(' ')}]\n`);
  },
  // /healthz answers 200 for the first 10 s, then 500: a liveness probe restarts the container.
  liveness() {
    exitOnSignals();
    serve(8080, (_req, res, url) => {
      if (url.pathname === '/healthz') {
        const seconds = (Date.now() - started) / 1000;
        if (seconds > 10) text(res, 500, `error: ${seconds.toFixed(1)}`);
        else text(res, 200, 'ok');
      } else if (url.pathname === '/redirect') {
        redirect(res, url.searchParams.get('loc') ?? '/');
      } else text(res, 404, 'not found');
    });
  },
  // Serves the container's files over HTTP (the probes ask for /).
  'test-webserver'() {
    exitOnSignals();
    serve(Number(flag('port', '80')), (_req, res, url) => {
      if (url.pathname === '/') text(res, 200, 'hello\n');
      else {
        try {
          text(res, 200, readFileSync(url.pathname, 'utf8'));
        } catch {
          text(res, 404, '404 page not found\n');
        }
      }
    });
  },
  // The HTTP(S) endpoints of netexec the lifecycle-hook and network specs call.
  netexec() {
    exitOnSignals();
    serve(
      Number(flag('http-port', '8080')),
      (req, res, url) => {
        const q = url.searchParams;
        switch (url.pathname) {
          case '/':
          case '/healthz':
            return text(res, 200, 'ok');
          case '/echo':
            return text(res, 200, q.get('msg') ?? '');
          case '/hostname':
            return text(res, 200, hostname());
          case '/clientip':
            return text(res, 200, `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`);
          case '/header':
            return text(res, 200, String(req.headers[(q.get('key') ?? '').toLowerCase()] ?? ''));
          case '/shell': {
            const r = spawnSync('sh', ['-c', q.get('shellCommand') ?? q.get('cmd') ?? ''], {
              encoding: 'utf8',
            });
            return text(res, 200, JSON.stringify({ output: r.stdout, error: r.stderr }));
          }
          case '/dial': {
            // Asks another netexec (the hook specs' relay): {"responses": [...]} or {"errors": [...]}.
            const target = `http://${q.get('host') ?? ''}:${q.get('port') ?? ''}/${q.get('request') ?? ''}`;
            fetch(target, { signal: AbortSignal.timeout(5000) })
              .then(async (r) => text(res, 200, JSON.stringify({ responses: [await r.text()] })))
              .catch((err: unknown) => text(res, 200, JSON.stringify({ errors: [String(err)] })));
            return;
          }
          case '/exit': {
            text(res, 200, '');
            const code = Number(q.get('code') ?? '0');
            setTimeout(() => process.exit(Number.isInteger(code) ? code : 0), 10);
            return;
          }
          default:
            return text(res, 404, '404 page not found\n');
        }
      },
      tlsFlags(),
    );
  },
  // Prints /etc/hosts (with Println's newline) and exits.
  'etc-hosts'() {
    process.stdout.write(`${readFileSync('/etc/hosts', 'utf8')}\n`);
  },
};

const run = subcommands[subcommand];
if (run) run();
else {
  process.stderr.write(`agnhost stand-in: subcommand "${subcommand}" is not emulated\n`);
  process.exit(1);
}
