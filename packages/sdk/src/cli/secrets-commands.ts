import { type ReencryptSecretsReply, SecretsSubjects, reencryptSecretsReplySchema } from '@plexmcp/contracts';
import type { RpcCaller } from './rpc.js';

/** Every service that keeps secrets at rest, and the subject that re-encrypts them. */
const OWNERS = [
  { service: 'key-service', subject: SecretsSubjects.mcpHeaders },
  { service: 'key-service', subject: SecretsSubjects.idempotencyResponses },
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
