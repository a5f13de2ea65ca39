// Structured logging for every program. Secrets never reach the log: AccessKey
// secrets, tokens, passwords, private keys and authorization headers are redacted
// wherever they appear (top level or nested up to two levels).
import { pino, type Logger, type LoggerOptions } from 'pino';

const SECRET_KEYS = [
  'accessKeySecret',
  'access-key-secret',
  'AccessKeySecret',
  'secret',
  'token',
  'securityToken',
  'password',
  'authorization',
  'Authorization',
  'keyPem',
  'privateKey',
  'client-key-data',
];

export const REDACT_PATHS: string[] = SECRET_KEYS.flatMap((key) => {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const dot = k.startsWith('[') ? k : `.${k}`;
  return [k, `*${dot}`, `*.*${dot}`];
});

export type { Logger };

export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  return pino({
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    ...options,
  });
}
