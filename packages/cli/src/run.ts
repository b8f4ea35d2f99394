import { parseArgs } from 'node:util';
import { AppError } from '@plexmcp/contracts';
import { ExitCode, UnavailableError, UsageError } from './errors.js';
import { createOrganization, getOrganization, updateOrganization } from './org-commands.js';
import { DEFAULT_NATS_URL, cliNatsSettings } from './nats-credentials.js';
import { RpcCaller } from './rpc.js';
import { describeReencryption, reencryptSecrets } from './secrets-commands.js';

export const USAGE = `Usage: plexmcp <command> [options]

Commands (over internal NATS; NATS_URL, default ${DEFAULT_NATS_URL}; as the ops user: NATS_USER and
NATS_PASSWORD, NATS_CREDS or NATS_TOKEN, NATS_TLS_CA/CERT/KEY; unset, the credentials that
\`pnpm start\` generated in $PLEXMCP_DATA_DIR, default ./.plexmcp):
  org create --name <name> [--monthly-limit <n>] [--ip-allowlist <cidr,cidr>] [--json]
      Create an organization and its first admin key (live, all scopes, every MCP, 90 days).
      The key's secret is printed once and cannot be shown again.
  org update --id <org_id> [--status active|suspended] [--monthly-limit <n>|none]
             [--ip-allowlist <cidr,cidr>|none] [--name <name>] [--json]
      Suspend or reactivate an organization, change its monthly limit or IP allowlist.
  org get --id <org_id> [--json]
      Show an organization.
  secrets reencrypt [--json]
      Have the key-service and the usage-service re-encrypt every secret they keep at rest (MCP
      upstream headers, webhook signing secrets) under the first key of their
      PLEXMCP_ENCRYPTION_KEYS, so an older key can then be removed. Safe to run again.

Exit codes: 0 ok, 1 refused by a service, 2 invalid input, 3 NATS or a service unreachable.
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const OPTIONS = {
  name: { type: 'string' },
  id: { type: 'string' },
  status: { type: 'string' },
  'monthly-limit': { type: 'string' },
  'ip-allowlist': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Runs one CLI invocation and returns its exit code; all output goes through `io`. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; args: string[] }>
  >;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.stderr(`plexmcp: ${(err as Error).message}\n\n${USAGE}`);
    return ExitCode.Usage;
  }
  const { values, positionals } = parsed;
  const command = positionals.join(' ');
  if (values.help || positionals.length === 0) {
    (values.help ? io.stdout : io.stderr)(USAGE);
    return values.help ? ExitCode.Ok : ExitCode.Usage;
  }
  if (!['org create', 'org update', 'org get', 'secrets reencrypt'].includes(command)) {
    io.stderr(`plexmcp: unknown command "${command}"\n\n${USAGE}`);
    return ExitCode.Usage;
  }

  let rpc: RpcCaller | undefined;
  try {
    rpc = await RpcCaller.connect(cliNatsSettings(io.env));
    switch (command) {
      case 'org create': {
        const created = await createOrganization(rpc, {
          name: values.name,
          monthlyLimit: values['monthly-limit'],
          ipAllowlist: values['ip-allowlist'],
        });
        if (values.json) {
          io.stdout(
            `${JSON.stringify({
              organization: { id: created.organization.id, name: created.organization.name },
              admin_key: {
                id: created.admin_key.key.id,
                secret: created.admin_key.secret,
                expires_at: created.admin_key.key.expires_at,
              },
            })}\n`,
          );
        } else {
          io.stdout(
            [
              `Organization ${created.organization.name} (${created.organization.id}) created.`,
              `Admin key ${created.admin_key.key.id}, expires ${created.admin_key.key.expires_at}:`,
              '',
              `  ${created.admin_key.secret}`,
              '',
              'Store this key now: it is shown only once.',
              '',
            ].join('\n'),
          );
        }
        break;
      }
      case 'org update':
      case 'org get': {
        const org =
          command === 'org update'
            ? await updateOrganization(rpc, {
                id: values.id,
                name: values.name,
                status: values.status,
                monthlyLimit: values['monthly-limit'],
                ipAllowlist: values['ip-allowlist'],
              })
            : await getOrganization(rpc, values.id);
        if (values.json) io.stdout(`${JSON.stringify({ organization: org })}\n`);
        else {
          io.stdout(
            [
              `Organization ${org.name} (${org.id})`,
              `  status:         ${org.status}`,
              `  monthly limit:  ${org.monthly_request_limit ?? 'none'}`,
              `  IP allowlist:   ${org.ip_allowlist && org.ip_allowlist.length > 0 ? org.ip_allowlist.join(', ') : 'any address'}`,
              '',
            ].join('\n'),
          );
        }
        break;
      }
      case 'secrets reencrypt': {
        const { services, failures } = await reencryptSecrets(rpc);
        if (values.json) io.stdout(`${JSON.stringify({ services })}\n`);
        else io.stdout(services.map((s) => `${describeReencryption(s)}\n`).join(''));
        // Report every failure; exit with the first one's code (each service is all-or-nothing).
        const codes = failures.map(({ service, error }) => report(error, io, service));
        if (codes.length > 0) return codes[0]!;
        break;
      }
    }
    return ExitCode.Ok;
  } catch (err) {
    return report(err, io);
  } finally {
    await rpc?.close();
  }
}

/** Prints why a command failed and answers its exit code; `service` names who refused, when known. */
function report(err: unknown, io: CliIo, service?: string): number {
  const from = service ? `${service}: ` : '';
  if (err instanceof UsageError) {
    io.stderr(`plexmcp: ${err.message}\n`);
    return ExitCode.Usage;
  }
  if (err instanceof UnavailableError) {
    io.stderr(`plexmcp: ${err.message}\n`);
    return ExitCode.Unavailable;
  }
  if (err instanceof AppError) {
    const details = err.details?.map((d) => `\n  ${d.field || 'input'}: ${d.message}`).join('') ?? '';
    io.stderr(`plexmcp: ${from}${err.code}: ${err.message}${details}\n`);
    if (err.code === 'validation_error') return ExitCode.Usage;
    if (err.code === 'service_unavailable') return ExitCode.Unavailable;
    return ExitCode.Failed;
  }
  io.stderr(`plexmcp: ${from}unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
  return ExitCode.Failed;
}
