// One declarative flag parser for both programs. Each flag is a row: its name, the
// environment variable that stands in for it, its default (as a user would type it), a zod
// schema for its value and a line of help. A flag wins over its variable; an empty
// variable counts as unset. Every error is one line naming the flag (and variable) at fault.
import { parseArgs } from 'node:util';
import { z } from 'zod';

interface FlagSpec<S extends z.ZodType = z.ZodType> {
  /** The command-line name, without the leading `--`. */
  flag: string;
  env?: string;
  /** The text used when neither the flag nor its variable is given; unset leaves the value undefined. */
  default?: string;
  /** Validates (and converts) the text: string in, the config value out. */
  schema: S;
  help: string;
}

/** Config key → flag row. The key order is the order of `--help`. */
export type FlagTable = Record<string, FlagSpec>;

export type FlagSchema<T extends FlagTable> = z.ZodObject<{ [K in keyof T]: T[K]['schema'] }>;

/** The zod object of a table: one field per row, under its config key. */
export function flagSchema<const T extends FlagTable>(table: T): FlagSchema<T> {
  const shape = Object.fromEntries(Object.entries(table).map(([key, row]) => [key, row.schema]));
  return z.object(shape) as FlagSchema<T>;
}

/** How an error names the value at fault. */
type ErrorNaming =
  /** Where the value came from: `--port`, or `WEBHOOK_PORT (--port)` for a variable. */
  | 'origin'
  /** The flag and its variable whatever the origin: `--nodes (env ECI_NODES)`. */
  | 'flag-and-env';

export interface ParseOptions {
  errorNaming?: ErrorNaming;
  /** Values that do not come from flags (secrets read from the environment only), with their names for errors. */
  extra?: Record<string, { value: unknown; name: string }>;
}

export type FlagResult<C> = { ok: true; config: C } | { ok: false; error: string };

/** Whether the command line asks for the usage text (checked before any validation). */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** `--help` lines: every flag with its variable and default, its help text below it. */
export function flagUsage(table: FlagTable): string {
  const lines: string[] = [];
  for (const row of Object.values(table)) {
    const env = row.env ? ` (env ${row.env})` : '';
    const def = row.default !== undefined ? ` default "${row.default}"` : '';
    lines.push(`  --${row.flag}${env}${def}`, `      ${row.help}`);
  }
  lines.push('  --help, -h', '      print this and exit');
  return lines.join('\n');
}

/** Edit distance, for "did you mean": flag names are short, so the quadratic table is fine. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

function unknownFlagMessage(table: FlagTable, given: string): string {
  const name = given.replace(/^-+/, '').split('=')[0] ?? '';
  const closest = Object.values(table)
    .map((row) => ({ flag: row.flag, d: distance(name, row.flag) }))
    .sort((x, y) => x.d - y.d)[0];
  const hint = closest && closest.d <= 2 ? `; did you mean --${closest.flag}?` : '';
  return `Unknown option '${given}'${hint} (--help lists the flags)`;
}

/** parseArgs' errors, reworded where they would not name the argument clearly. */
function argvError(table: FlagTable, err: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return unknownFlagMessage(table, quoted);
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return `unexpected argument '${quoted}': only --flag value pairs are taken, no positional arguments`;
  }
  return err.message.split('\n')[0] ?? 'invalid arguments';
}

/** Pure: argv (without node and script) + environment → a config valid for `schema`, or one error line. */
export function parseFlags<S extends z.ZodObject>(
  table: FlagTable,
  schema: S,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  options: ParseOptions = {},
): FlagResult<z.output<S>> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(Object.values(table).map((row) => [row.flag, { type: 'string' as const }])),
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return { ok: false, error: argvError(table, err as Error & { code?: string }) };
  }
  const raw: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  const naming = options.errorNaming ?? 'flag-and-env';
  for (const [key, row] of Object.entries(table)) {
    const fromFlag = values[row.flag];
    const fromEnv = row.env ? env[row.env] : undefined;
    const flagName = `--${row.flag}`;
    if (typeof fromFlag === 'string') {
      raw[key] = fromFlag;
      names[key] = flagName;
    } else if (fromEnv !== undefined && fromEnv !== '') {
      raw[key] = fromEnv;
      names[key] = `${row.env} (${flagName})`;
    } else {
      raw[key] = row.default;
      names[key] = flagName;
    }
    if (naming === 'flag-and-env') names[key] = `${flagName}${row.env ? ` (env ${row.env})` : ''}`;
  }
  for (const [key, { value, name }] of Object.entries(options.extra ?? {})) {
    raw[key] = value;
    names[key] = name;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    return { ok: false, error: `${names[key] ?? key}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, config: parsed.data };
}

/** A comma-separated list: items trimmed, empty ones dropped (`""` is the empty list). */
export const csvList = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
