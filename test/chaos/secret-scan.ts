// Pure: which captured log lines give away a secret. The AccessKey secrets in use are
// known exactly; a ServiceAccount token is a JWT (three base64url parts, the first two
// JSON objects), so any JWT-shaped string in a log line counts, whoever issued it.

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

export interface SecretHit {
  source: string;
  line: number;
  what: 'access-key-secret' | 'jwt';
}

/** Every line of `text` (from `source`) holding one of `secrets` or a JWT; the secret itself is never echoed. */
export function findSecretLeaks(source: string, text: string, secrets: readonly string[]): SecretHit[] {
  const wanted = secrets.filter((s) => s.length >= 8);
  const hits: SecretHit[] = [];
  text.split('\n').forEach((content, i) => {
    if (wanted.some((s) => content.includes(s)))
      hits.push({ source, line: i + 1, what: 'access-key-secret' });
    else if (JWT.test(content)) hits.push({ source, line: i + 1, what: 'jwt' });
  });
  return hits;
}
