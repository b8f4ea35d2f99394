import type { z } from 'zod';
import type {
  AlertThresholdsView,
  ApiKeyView,
  AuditEntry,
  UpdateAlertThresholdsBody,
  McpView,
  UsageReply,
  createKeyBodySchema,
  createMcpBodySchema,
  rotateKeyBodySchema,
  updateKeyBodySchema,
  updateMcpBodySchema,
  usageQuerySchema,
} from '@plexmcp/contracts';

export type ApiKey = ApiKeyView;
/**
 * What `GET /v1/me` answers: the calling key's identity and policy, served from the gateway's
 * cache — no name, status or timestamps other than `expires_at` (use `keys.get(id)` for those).
 */
export type CurrentKey = Pick<
  ApiKeyView,
  | 'id'
  | 'object'
  | 'organization_id'
  | 'mode'
  | 'prefix'
  | 'last4'
  | 'permissions'
  | 'scopes'
  | 'rate_limit'
  | 'usage_limit'
  | 'expires_at'
>;
export type Mcp = McpView;
export type { AuditEntry };
export type Usage = UsageReply;

export type CreateKeyParams = z.input<typeof createKeyBodySchema>;
export type UpdateKeyParams = z.input<typeof updateKeyBodySchema>;
export type RotateKeyParams = z.input<typeof rotateKeyBodySchema>;
export type CreateMcpParams = z.input<typeof createMcpBodySchema>;
export type UpdateMcpParams = z.input<typeof updateMcpBodySchema>;
export type UsageParams = z.input<typeof usageQuerySchema>;

export interface ListParams {
  limit?: number;
  cursor?: string;
}

/** `keys.list` filters: a tag, and/or one metadata pair written `key:value`. */
export interface ListKeysParams extends ListParams {
  tag?: string;
  metadata?: string;
}

/** The organization's anomaly thresholds (`alerts.thresholds()`). */
export type AlertThresholds = AlertThresholdsView;
/** Each field set overrides the default for the organization; `null` restores it. */
export type UpdateAlertThresholdsParams = UpdateAlertThresholdsBody;

/** A created or rotated key: the only time the secret is visible. */
export type KeyWithSecret = ApiKey & { secret: string };
export type RotatedKeyResult = ApiKey & { secret: string; previous: ApiKey };

export interface Alert {
  id: string;
  type: 'error_spike' | 'new_location' | 'request_spike' | 'key_expiring' | 'key_leaked';
  key_id: string;
  status: string;
  details: Record<string, unknown>;
  created_at: string;
  acknowledged_at: string | null;
  [field: string]: unknown;
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  status?: string;
  created_at: string;
  [field: string]: unknown;
}

export type WebhookWithSecret = Webhook & { secret: string };

export interface WebhookDelivery {
  id: string;
  webhook_id: string;
  [field: string]: unknown;
}

export interface CreateWebhookParams {
  url: string;
  events?: string[];
}
