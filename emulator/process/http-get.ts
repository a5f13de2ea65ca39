// An httpGet probe or lifecycle hook, as the kubelet makes it
// (https://github.com/kubernetes/kubernetes/blob/v1.36.3/pkg/probe/http/http.go,
// pkg/kubelet/lifecycle/handlers.go): HTTPS without verifying the certificate, no
// keep-alive, at most 10 redirects. A probe follows only redirects to the same host
// (another host ends it with a warning) and passes on 200-399; a hook follows every
// redirect and passes on any answer (only a failed request fails it).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type HttpGetMode = 'probe' | 'hook';

export interface HttpGetResult {
  ok: boolean;
  /** Passed, but only after a redirect the probe did not follow (the kubelet's ProbeWarning). */
  warning?: string;
  message: string;
}

const MAX_REDIRECTS = 10;
const MAX_BODY = 10 * 1024;
const USER_AGENT = { probe: 'kube-probe/1.36', hook: 'kube-lifecycle/1.36' } as const;

/** Pure: where a 3xx answer leads, or why it stops there. */
export function nextHop(
  mode: HttpGetMode,
  first: URL,
  current: URL,
  location: string | undefined,
  hops: number,
): { follow: URL } | { stop: 'non-local' | 'too-many' | 'no-location' } {
  if (!location) return { stop: 'no-location' };
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    return { stop: 'no-location' };
  }
  if (mode === 'probe' && next.hostname !== first.hostname) return { stop: 'non-local' };
  if (hops >= MAX_REDIRECTS) return { stop: 'too-many' };
  return { follow: next };
}

/** Pure: the result of the final answer. */
export function verdict(mode: HttpGetMode, status: number, body: string): HttpGetResult {
  if (mode === 'hook') return { ok: true, message: '' };
  if (status >= 200 && status < 300) return { ok: true, message: '' };
  if (status >= 300 && status < 400) {
    return { ok: true, message: '', warning: `Probe terminated redirects, Response body: ${body}` };
  }
  return { ok: false, message: `HTTP probe failed with statuscode: ${status}` };
}

function getOnce(
  url: URL,
  mode: HttpGetMode,
  deadline: number,
): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'GET',
      headers: { 'user-agent': USER_AGENT[mode], accept: '*/*', connection: 'close' },
      rejectUnauthorized: false,
      timeout: Math.max(1, deadline - Date.now()),
    });
    req.once('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded)')));
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk.slice(0, MAX_BODY - body.length);
      });
      res.once('end', () => resolve({ res, body }));
      res.once('error', reject);
    });
    req.end();
  });
}

/** GETs `url` the kubelet's way within `timeoutMs`. */
export async function httpGet(url: string, mode: HttpGetMode, timeoutMs: number): Promise<HttpGetResult> {
  const first = new URL(url);
  const deadline = Date.now() + timeoutMs;
  let current = first;
  for (let hops = 0; ; hops++) {
    let answer: { res: IncomingMessage; body: string };
    try {
      answer = await getOnce(current, mode, deadline);
    } catch (e) {
      return { ok: false, message: `Get "${current.href}": ${(e as Error).message}` };
    }
    const status = answer.res.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      const hop = nextHop(mode, first, current, answer.res.headers.location, hops);
      if ('follow' in hop) {
        current = hop.follow;
        continue;
      }
      if (hop.stop === 'too-many')
        return { ok: false, message: `Get "${current.href}": stopped after 10 redirects` };
    }
    return verdict(mode, status, answer.body);
  }
}
