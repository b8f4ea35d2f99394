import { isValidCidr } from '@plexmcp/contracts';
import { z } from 'zod';

/** A configuration error names the offending variables; services exit on it at start-up. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates environment variables once, into a typed object. Schema keys are the variable names;
 * empty strings count as unset so `FOO=` falls back to the default.
 */
export function loadConfig<T extends z.ZodObject>(
  schema: T,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<T> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`));
  }
  return result.data;
}

export const natsUrlSchema = z
  .string()
  .regex(
    /^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/,
    'must be nats://host:port (comma-separated for a cluster)',
  )
  .default('nats://127.0.0.1:4222');

export const postgresUrlSchema = z
  .string()
  .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// connection URL');

export const logLevelSchema = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

export const schemaNameSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier');

/** A whole number within [min, max], read from its decimal text: `DB_POOL_SIZE=20`. */
export function intSchema(defaultValue: number, min: number, max: number) {
  return z.coerce.number().int().min(min).max(max).default(defaultValue);
}

/** An integer number of milliseconds given as a plain number: `RPC_TIMEOUT_MS=800`. */
export function msSchema(defaultMs: number, min = 1, max = 3_600_000) {
  return intSchema(defaultMs, min, max);
}

export const booleanSchema = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/**
 * Comma-separated IPv4/IPv6 CIDRs or bare addresses, `10.0.0.0/8, ::1/128`; default none. An
 * IPv4-mapped range (`::ffff:10.0.0.0/104`) means its IPv4 range.
 */
export const cidrListSchema = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0),
  )
  .superRefine((list, ctx) => {
    const bad = list.filter((c) => !isValidCidr(c));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be comma-separated IPv4/IPv6 CIDRs; not a CIDR: ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
      });
    }
  });

/**
 * `LOG_FORMAT`: `json` (default; one JSON object per line) or `pretty` (human-readable lines for a
 * terminal; `pnpm start` sets it when its own output is a terminal).
 */
export const logFormatSchema = z.enum(['json', 'pretty']).default('json');

/** The settings every NATS-connected service shares. */
export const baseServiceEnv = {
  NATS_URL: natsUrlSchema,
  LOG_LEVEL: logLevelSchema,
  LOG_FORMAT: logFormatSchema,
};

/**
 * The Postgres URL of a service: its own variable (`KEY_SERVICE_DATABASE_URL`) wins over the shared
 * `DATABASE_URL`; one of them is required.
 */
export function requireDatabaseUrl(
  own: { variable: string; value: string | undefined },
  shared: string | undefined,
): string {
  const url = own.value ?? shared;
  if (!url) throw new ConfigError([`DATABASE_URL: DATABASE_URL or ${own.variable} is required`]);
  return url;
}

/** The names of a schema's environment variables. */
export type ConfigVariable<S extends z.ZodObject> = Extract<keyof S['shape'], string>;

/** A setting passed in code instead of the environment; a list is joined with commas. */
export type ConfigOverrideValue = string | number | boolean | readonly string[];

/**
 * What a caller (tests, embedding) may pass to a service's config loader: named settings (the
 * service's aliases) and any variable by its name under `env`. Precedence: aliases, then `env`,
 * then the process environment.
 */
export type ServiceConfigOverrides<S extends z.ZodObject, A extends string = never> = {
  [K in A]?: ConfigOverrideValue;
} & { env?: Partial<Record<ConfigVariable<S>, string>> };

export interface ServiceConfigSpec<S extends z.ZodObject, A extends string, D extends object> {
  /** Every variable the service reads, by name, with its validation and default. */
  schema: S;
  /** Named settings and the variable each sets (`natsUrl: 'NATS_URL'`). */
  aliases?: Readonly<Record<A, ConfigVariable<S>>>;
  /** Values computed from the valid variables (one URL falling back to another); may throw ConfigError. */
  derive?: (env: z.infer<S>) => D;
}

/**
 * The one way a service declares its configuration: a zod schema of its environment variables,
 * optional aliases for code-level overrides, and derived values. Returns the loader `bootstrap()`
 * calls once; its result is provided to the service under `SERVICE_CONFIG`.
 */
export function defineServiceConfig<
  S extends z.ZodObject,
  A extends string = never,
  D extends object = object,
>(
  spec: ServiceConfigSpec<S, A, D>,
): (overrides?: ServiceConfigOverrides<S, A>, env?: NodeJS.ProcessEnv) => z.infer<S> & D {
  return (overrides: ServiceConfigOverrides<S, A> = {}, env = process.env) => {
    const merged: NodeJS.ProcessEnv = { ...env, ...overrides.env };
    const aliases = (spec.aliases ?? {}) as Record<string, string>;
    for (const [alias, variable] of Object.entries(aliases)) {
      const value = (overrides as Record<string, ConfigOverrideValue | undefined>)[alias];
      if (value !== undefined) merged[variable] = Array.isArray(value) ? value.join(',') : String(value);
    }
    const parsed = loadConfig(spec.schema, merged);
    return { ...parsed, ...(spec.derive?.(parsed) ?? ({} as D)) };
  };
}
