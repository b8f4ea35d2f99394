import { z } from 'zod';

/**
 * Internal subjects of `plexmcp secrets reencrypt`: each service that keeps secrets at rest
 * re-encrypts all of them under the first key of its `PLEXMCP_ENCRYPTION_KEYS`, so an old key can
 * be dropped. Served by the owning service's queue group; never reachable over public HTTP.
 */
export const SecretsSubjects = {
  /** key-service: MCP upstream header values. */
  mcpHeaders: 'mcps.secrets.reencrypt',
  /** key-service: stored Idempotency-Key responses (a create or rotate answer holds a key). */
  idempotencyResponses: 'idempotency.secrets.reencrypt',
  /** key-service: organizations' OpenID Connect client secrets. */
  oidcClientSecrets: 'oidc.secrets.reencrypt',
  /** key-service: people's TOTP seeds (two-factor sign-in). */
  totpSeeds: 'identity.secrets.reencrypt',
  /** usage-service: webhook signing secrets. */
  webhookSecrets: 'webhooks.secrets.reencrypt',
} as const;

export const reencryptSecretsRequestSchema = z.strictObject({});

const countSchema = z.number().int().min(0);

/** What one service did; running it again answers `reencrypted: 0` (idempotent). */
export const reencryptSecretsReplySchema = z.object({
  service: z.enum(['key-service', 'usage-service']),
  /** The stored secrets, as `table.column`. */
  store: z.string(),
  /** The key every row is now encrypted under: the first of the service's keyring. */
  key_id: z.string(),
  /** Rows looked at. */
  rows: countSchema,
  /** Rows rewritten: under an older key, or still in plaintext. */
  reencrypted: countSchema,
  /** Rows already under `key_id`. */
  unchanged: countSchema,
});
export type ReencryptSecretsReply = z.infer<typeof reencryptSecretsReplySchema>;
