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

const nonEmpty = z.string().min(1);

/**
 * How a process authenticates to NATS (see `natsAuthOf`): `NATS_USER` + `NATS_PASSWORD`, or
 * `NATS_CREDS` (path of a `.creds` file: user JWT and nkey seed), or `NATS_TOKEN`; at most one of
 * them. TLS: `NATS_TLS_CA` (CA bundle to trust), `NATS_TLS_CERT` + `NATS_TLS_KEY` (client
 * certificate). All unset: an anonymous plain connection, as a local development NATS allows.
 */
export const natsAuthEnv = {
  NATS_USER: nonEmpty.optional(),
  NATS_PASSWORD: nonEmpty.optional(),
  NATS_TOKEN: nonEmpty.optional(),
  NATS_CREDS: nonEmpty.optional(),
  NATS_TLS_CA: nonEmpty.optional(),
  NATS_TLS_CERT: nonEmpty.optional(),
  NATS_TLS_KEY: nonEmpty.optional(),
};

type NatsAuthVariables = { [K in keyof typeof natsAuthEnv]?: string | undefined };

/** The NATS credentials and TLS files of one process, from the `natsAuthEnv` variables. */
export interface NatsAuth {
  user?: string;
  password?: string;
  token?: string;
  /** Path of a `.creds` file (decorated user JWT and nkey seed), read at every (re)connect. */
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** Everything wrong with a combination of the NATS auth variables (empty when it is usable). */
export function natsAuthProblems(env: NatsAuthVariables): string[] {
  const problems: string[] = [];
  const methods = [
    env.NATS_USER !== undefined || env.NATS_PASSWORD !== undefined ? 'NATS_USER/NATS_PASSWORD' : null,
    env.NATS_CREDS !== undefined ? 'NATS_CREDS' : null,
    env.NATS_TOKEN !== undefined ? 'NATS_TOKEN' : null,
  ].filter((m) => m !== null);
  if (methods.length > 1) problems.push(`NATS_USER: set only one of ${methods.join(', ')}`);
  if ((env.NATS_USER === undefined) !== (env.NATS_PASSWORD === undefined)) {
    problems.push(
      `${env.NATS_USER === undefined ? 'NATS_USER' : 'NATS_PASSWORD'}: required with the other one`,
    );
  }
  if ((env.NATS_TLS_CERT === undefined) !== (env.NATS_TLS_KEY === undefined)) {
    problems.push(
      `${env.NATS_TLS_CERT === undefined ? 'NATS_TLS_CERT' : 'NATS_TLS_KEY'}: required with the other one`,
    );
  }
  return problems;
}

/**
 * A zod refinement for a schema that spreads `natsAuthEnv`: an unusable combination (a user
 * without password, two methods at once, a certificate without key) is reported per variable.
 */
export function checkNatsAuth(env: NatsAuthVariables, ctx: z.RefinementCtx): void {
  for (const problem of natsAuthProblems(env)) {
    const [variable, ...rest] = problem.split(': ');
    ctx.addIssue({ code: 'custom', path: [variable!], message: rest.join(': ') });
  }
}

/** The NATS auth settings of validated variables (see `natsAuthEnv`; `checkNatsAuth` ran). */
export function natsAuthOf(env: NatsAuthVariables): NatsAuth {
  const problems = natsAuthProblems(env);
  if (problems.length > 0) throw new ConfigError(problems);
  const tls =
    env.NATS_TLS_CA !== undefined || env.NATS_TLS_CERT !== undefined
      ? { caFile: env.NATS_TLS_CA, certFile: env.NATS_TLS_CERT, keyFile: env.NATS_TLS_KEY }
      : undefined;
  return {
    ...(env.NATS_USER !== undefined ? { user: env.NATS_USER, password: env.NATS_PASSWORD } : {}),
    ...(env.NATS_TOKEN !== undefined ? { token: env.NATS_TOKEN } : {}),
    ...(env.NATS_CREDS !== undefined ? { credsFile: env.NATS_CREDS } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** The settings every NATS-connected service shares (spread it, then `.superRefine(checkNatsAuth)`). */
export const baseServiceEnv = {
  NATS_URL: natsUrlSchema,
  ...natsAuthEnv,
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
 * optional aliases for code-level overrides, and derived values (and `natsAuth`, its NATS
 * credentials). Returns the loader `bootstrap()`
 * calls once; its result is provided to the service under `SERVICE_CONFIG`.
 */
export function defineServiceConfig<
  S extends z.ZodObject,
  A extends string = never,
  D extends object = object,
>(
  spec: ServiceConfigSpec<S, A, D>,
): (
  overrides?: ServiceConfigOverrides<S, A>,
  env?: NodeJS.ProcessEnv,
) => z.infer<S> & { natsAuth: NatsAuth } & D {
  return (overrides: ServiceConfigOverrides<S, A> = {}, env = process.env) => {
    const merged: NodeJS.ProcessEnv = { ...env, ...overrides.env };
    const aliases = (spec.aliases ?? {}) as Record<string, string>;
    for (const [alias, variable] of Object.entries(aliases)) {
      const value = (overrides as Record<string, ConfigOverrideValue | undefined>)[alias];
      if (value !== undefined) merged[variable] = Array.isArray(value) ? value.join(',') : String(value);
    }
    const parsed = loadConfig(spec.schema, merged);
    // Every service connects to NATS with the credentials of `natsAuthEnv` (checked here, by name).
    const natsAuth = natsAuthOf(parsed);
    return { ...parsed, natsAuth, ...(spec.derive?.(parsed) ?? ({} as D)) };
  };
}
