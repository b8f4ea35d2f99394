import { z } from 'zod';
import { KEY_HASH_PATTERN } from './api-key.js';
import { keyIdSchema, modeSchema, orgIdSchema } from './common.schema.js';

/**
 * Leaked-key reports from a secret scanner, in the shape GitHub's secret scanning partner program
 * posts them: a JSON array of `{token, type, url, source}`, signed (ECDSA P-256, SHA-256, over the
 * raw body) with the key named by the `Github-Public-Key-Identifier` header, the DER signature in
 * base64 in `Github-Public-Key-Signature`.
 */
export const SECRET_SCANNING_KEY_ID_HEADER = 'github-public-key-identifier';
export const SECRET_SCANNING_SIGNATURE_HEADER = 'github-public-key-signature';
/** Largest report body accepted (GitHub sends at most a few hundred tokens per request). */
export const SECRET_SCANNING_BODY_LIMIT = 256 * 1024;
export const SECRET_SCANNING_MAX_TOKENS = 1000;

export const secretScanningMatchSchema = z.object({
  token: z.string().max(1000),
  type: z.string().max(200),
  url: z.string().max(2048),
  source: z.string().max(100),
});
export type SecretScanningMatch = z.infer<typeof secretScanningMatchSchema>;
export const secretScanningReportSchema = z
  .array(secretScanningMatchSchema)
  .min(1)
  .max(SECRET_SCANNING_MAX_TOKENS);

/**
 * What was done with one reported token: `revoked` now; `already_inactive` (revoked, expired or
 * disabled before); `reported` (a test key of an organization that did not opt in to revoking
 * leaked test keys: alerted, left working); `none` (not a PlexMCP key, or only verified).
 */
export const LEAK_ACTIONS = ['revoked', 'already_inactive', 'reported', 'none'] as const;
export const leakActionSchema = z.enum(LEAK_ACTIONS);
export type LeakAction = z.infer<typeof leakActionSchema>;

/**
 * The answer per token, as GitHub's partner program reads it (`token_hash` or `token_raw`,
 * `token_type`, `label`), plus `action`. Only the hash is echoed: a raw secret never leaves again.
 */
export const secretScanningResultSchema = z.object({
  token_hash: z.string(),
  token_type: z.string(),
  label: z.enum(['true_positive', 'false_positive']),
  action: leakActionSchema,
});
export type SecretScanningResult = z.infer<typeof secretScanningResultSchema>;

// ---- keys.leaked: the key-service looks the hashes up and revokes -----------------------------

export const leakedKeysRequestSchema = z.strictObject({
  /** false: only say which tokens are keys (verify); true: act on them (revoke or report). */
  act: z.boolean(),
  reports: z
    .array(
      z.strictObject({
        key_hash: z.string().regex(KEY_HASH_PATTERN, 'must be a SHA-256 hex digest'),
        url: z.string().max(2048),
        source: z.string().max(100),
      }),
    )
    .min(1)
    .max(SECRET_SCANNING_MAX_TOKENS),
});
export type LeakedKeysRequest = z.infer<typeof leakedKeysRequestSchema>;

export const leakedKeySchema = z.object({
  key_hash: z.string(),
  key: z.object({ id: keyIdSchema, org_id: orgIdSchema, mode: modeSchema }).nullable(),
  action: leakActionSchema,
});
export type LeakedKey = z.infer<typeof leakedKeySchema>;
export const leakedKeysReplySchema = z.object({ results: z.array(leakedKeySchema) });
export type LeakedKeysReply = z.infer<typeof leakedKeysReplySchema>;

// ---- alerts.key_leaked: the usage-service raises the alert and its webhooks -------------------

export const keyLeakedAlertsRequestSchema = z.strictObject({
  leaks: z
    .array(
      z.strictObject({
        org_id: orgIdSchema,
        key_id: keyIdSchema,
        mode: modeSchema,
        url: z.string().max(2048),
        source: z.string().max(100),
        action: leakActionSchema,
      }),
    )
    .min(1)
    .max(SECRET_SCANNING_MAX_TOKENS),
});
export type KeyLeakedAlertsRequest = z.infer<typeof keyLeakedAlertsRequestSchema>;
export const keyLeakedAlertsReplySchema = z.object({ raised: z.number().int() });
