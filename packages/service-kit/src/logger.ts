import type { LoggerService } from '@nestjs/common';
import { pino, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';

/** Anything shaped like an API key is masked before a log line is written, wherever it hides. */
const KEY_PATTERN = /pk_(live|test)_[0-9A-Za-z]{8,}/g;
const SECRET_PATTERN = /whsec_[A-Za-z0-9+/=]{8,}/g;

export function scrubSecrets(text: string): string {
  // Nearly every string holds neither prefix: two substring checks instead of two regex passes.
  if (!text.includes('pk_') && !text.includes('whsec_')) return text;
  return text.replace(KEY_PATTERN, 'pk_$1_[REDACTED]').replace(SECRET_PATTERN, 'whsec_[REDACTED]');
}

/**
 * Fields of database errors that carry the values of a query: TypeORM's `QueryFailedError` keeps
 * the bound `parameters` (a new `whsec_…`, upstream header values) and Postgres's `where` may quote
 * them. They are dropped from log lines; `detail` is kept with its values cut out.
 */
const DROPPED_ERROR_FIELDS = new Set(['parameters', 'where']);
const MAX_ERROR_DEPTH = 5;

/** Postgres's `detail` names columns and quotes values: `Key (secret)=(whsec_…)`, `Failing row contains (…)`. */
function redactDetail(detail: string): string {
  return scrubSecrets(detail)
    .replace(/\)=\(.*\)/gs, ')=([REDACTED])')
    .replace(/(Failing row contains )\(.*\)/gs, '$1([REDACTED])');
}

/**
 * An error as it may be written to a log line: type, message, stack and its own fields, with
 * anything shaped like a key or webhook secret masked, query parameters dropped, and the same
 * done to its `driverError`, `cause` and aggregated `errors`.
 */
export function serializeError(err: Error, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: err.constructor?.name && err.constructor.name !== 'Object' ? err.constructor.name : err.name,
    message: scrubSecrets(String(err.message)),
  };
  if (typeof err.stack === 'string') out.stack = scrubSecrets(err.stack);
  if (depth >= MAX_ERROR_DEPTH) return out;
  for (const [field, value] of Object.entries(err)) {
    if (field in out || DROPPED_ERROR_FIELDS.has(field)) continue;
    out[field] =
      field === 'detail' && typeof value === 'string' ? redactDetail(value) : scrubValue(value, depth + 1);
  }
  const { cause, errors } = err as { cause?: unknown; errors?: unknown };
  if (cause !== undefined) out.cause = scrubValue(cause, depth + 1);
  if (err instanceof AggregateError && Array.isArray(errors))
    out.errors = errors.map((e) => scrubValue(e, depth + 1));
  return out;
}

function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value instanceof Error) return serializeError(value, depth);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[Truncated]'; // never hand pino a deep object whose strings were not scrubbed
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, depth + 1);
  return out;
}

/** Log arguments with every string scrubbed; an error given first is logged as `err`, as pino does. */
function scrubArguments(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (first instanceof Error) {
    const err = serializeError(first);
    return [{ err }, ...(rest.length > 0 ? rest.map((a) => scrubValue(a)) : [err.message])];
  }
  return args.map((a) => scrubValue(a));
}

/**
 * How log lines are written: `json` (one JSON object per line, for machines: CI, containers, log
 * shippers) or `pretty` (pino-pretty's human-readable lines, for a terminal).
 */
export type LogFormat = 'json' | 'pretty';

/**
 * pino-pretty used as a synchronous destination, not as a worker-thread transport: nothing is lost
 * when a process exits right after logging, and a terminal's lines stay in order.
 */
function prettyDestination(destination: NodeJS.WritableStream | undefined): pinoPretty.PrettyStream {
  return pinoPretty({
    ...(destination ? { destination } : {}),
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // The name is shown by whoever prefixes the lines (`pnpm start`); pid and host are noise here.
    ignore: 'pid,hostname,service',
  });
}

/** Fields every logger of createLogger writes as `[REDACTED]` (pino redaction paths). */
const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'secret',
  '*.secret',
  'key',
  'upstream_headers',
  '*.upstream_headers',
] as const;

/**
 * Structured logs (pino), JSON lines by default. Every line carries `service` (the process's name)
 * and `pid`. Authorization headers and secrets are redacted by path and by pattern, in both formats.
 * Lines go to stdout, or to `destination` when given.
 */
export function createLogger(
  service: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  format: LogFormat = process.env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json',
  destination?: NodeJS.WritableStream,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS], censor: '[REDACTED]' },
    serializers: { err: (err: unknown) => scrubValue(err) },
    hooks: {
      logMethod(args, method) {
        method.apply(this, scrubArguments(args) as Parameters<typeof method>);
      },
    },
  };
  if (format === 'pretty') return pino(options, prettyDestination(destination));
  return destination ? pino(options, destination) : pino(options);
}

/** The top-level ones of REDACTED_PATHS: the fields `writeLine` redacts by name. */
const REDACTED_FIELDS: ReadonlySet<string> = new Set(REDACTED_PATHS.filter((p) => !p.includes('.')));

/** The value of a field `writeLine` writes: scalars only, so one scrub of each string covers it. */
export type LineValue = string | number | boolean | null | undefined;

interface PinoInternals {
  [key: symbol]: unknown;
}

/**
 * Writes the line `logger[level](fields, msg)` would write — the same JSON, level, time, bindings
 * (`service`, `pid`) and destination, pretty format included — for a line of scalar fields logged
 * on every request (the gateway's access log). pino's own path cost ~6 µs per such line against
 * ~2 µs for this (in-process), most of it the scrub hook's copy of the arguments, redaction by
 * path and the generic serializer. This one builds the line directly, with the same protection:
 * every string is scrubbed of keys and webhook secrets, a field createLogger redacts by name is
 * `[REDACTED]`, and an undefined field is left out, as pino leaves it. For a logger made by createLogger (its level labels and timestamp).
 */
export function writeLine(
  logger: Logger,
  level: 'debug' | 'info',
  fields: Record<string, LineValue>,
  msg: string,
): void {
  if (!logger.isLevelEnabled(level)) return;
  const internals = logger as unknown as PinoInternals;
  const time = (internals[pino.symbols.timeSym] as () => string)();
  let line = `{"level":${logger.levels.values[level]}${time}${internals[pino.symbols.chindingsSym] as string}`;
  for (const name in fields) {
    const value = fields[name];
    if (value === undefined) continue;
    line += `,${JSON.stringify(name)}:`;
    if (REDACTED_FIELDS.has(name)) line += '"[REDACTED]"';
    else if (typeof value === 'string') line += JSON.stringify(scrubSecrets(value));
    else line += JSON.stringify(value);
  }
  line += `,"msg":${JSON.stringify(scrubSecrets(msg))}}\n`;
  (internals[pino.symbols.streamSym] as { write(line: string): void }).write(line);
}

/** Adapts pino to Nest's LoggerService so framework messages are JSON lines too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, message instanceof Error ? message.message : String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
  fatal(message: unknown, context?: string): void {
    this.logger.fatal({ context }, String(message));
  }
}
