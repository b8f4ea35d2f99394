import { type ReencryptSecretsReply, SecretsSubjects, reencryptSecretsReplySchema } from '@plexmcp/contracts';
import type { Command } from 'commander';
import type { CommandContext } from './context.js';
import type { RpcCaller } from './rpc.js';

/** Every service that keeps secrets at rest, and the subject that re-encrypts them. */
const OWNERS = [
  { service: 'key-service', subject: SecretsSubjects.mcpHeaders },
  { service: 'key-service', subject: SecretsSubjects.idempotencyResponses },
  { service: 'key-service', subject: SecretsSubjects.oidcClientSecrets },
  { service: 'key-service', subject: SecretsSubjects.totpSeeds },
  { service: 'usage-service', subject: SecretsSubjects.webhookSecrets },
] as const;

export interface ReencryptOutcome {
  /** One answer per service that re-encrypted its secrets. */
  services: ReencryptSecretsReply[];
  /** Services that could not: each failed as a whole (one transaction), so running again is safe. */
  failures: { service: string; error: unknown }[];
}

/**
 * `plexmcp secrets reencrypt`: asks each owning service to re-encrypt all its secrets at rest under
 * the first key of its `PLEXMCP_ENCRYPTION_KEYS`. Idempotent: a second run re-encrypts nothing.
 */
export async function reencryptSecrets(rpc: RpcCaller): Promise<ReencryptOutcome> {
  const outcome: ReencryptOutcome = { services: [], failures: [] };
  for (const { service, subject } of OWNERS) {
    try {
      outcome.services.push(await rpc.call(subject, {}, reencryptSecretsReplySchema, service));
    } catch (error) {
      outcome.failures.push({ service, error });
    }
  }
  return outcome;
}

export function describeReencryption(reply: ReencryptSecretsReply): string {
  return (
    `${reply.service}: ${reply.store}: ${reply.reencrypted} of ${reply.rows} re-encrypted under key ` +
    `"${reply.key_id}" (${reply.unchanged} already were)`
  );
}

/** `plexmcp secrets reencrypt`. Reports every service that failed; the exit code is the first one's. */
export function registerSecretsCommands(program: Command, ctx: CommandContext): void {
  program
    .command('secrets')
    .description('secrets the services keep at rest')
    .command('reencrypt')
    .description(
      'Have the key-service and the usage-service re-encrypt every secret they keep at rest (MCP\n' +
        'upstream headers, stored Idempotency-Key answers, OIDC client secrets, TOTP seeds,\n' +
        'webhook signing secrets) under the first key of their PLEXMCP_ENCRYPTION_KEYS, so an\n' +
        'older key can then be removed. Safe to run again.',
    )
    .option('--json', 'print one JSON object')
    .action(async (flags: { json?: boolean }) => {
      const { services, failures } = await reencryptSecrets(await ctx.rpc());
      ctx.print(flags.json, { services }, () => services.map(describeReencryption));
      // Each service is all-or-nothing (one transaction), so running again after a failure is safe.
      const codes = failures.map(({ service, error }) => ctx.report(error, flags.json, service));
      if (codes[0] !== undefined) ctx.exitCode = codes[0];
    });
}
