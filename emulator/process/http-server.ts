// The built-in web server that stands in for nginx/httpd images in process mode.
// Run inside the group's network namespace: node http-server.ts <pod> <port>...
// Answers every request with which pod and port it is.
import { createServer } from 'node:http';

const [pod = 'pod', ...portArgs] = process.argv.slice(2);
const ports = portArgs.length > 0 ? portArgs.map(Number) : [80];
for (const port of ports) {
  createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`eci-emulator web server: pod ${pod} port ${port}\n`);
    process.stdout.write(`${req.method ?? 'GET'} ${req.url ?? '/'} ${port}\n`);
  }).listen(port, '0.0.0.0', () => process.stdout.write(`listening on :${port}\n`));
}
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
