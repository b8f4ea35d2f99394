import {
  AppError,
  DEFAULT_EXPIRES_IN,
  EXPIRES_IN_MS,
  ErrorCode,
  type ApiKeyView,
  type CreateKeyBody,
  type KeyPolicy,
  type ValidateKeyReply,
  maxKeyExpiry,
} from '@plexmcp/contracts';
import type { ApiKeyEntity } from './api-key.entity.js';

/**
 * Pure rules of a key's life: when it expires, what state it is in at a given instant, and how it
 * is shown. No I/O and no clock reads (callers pass `now`), so they are unit-tested directly.
 */

export function validationError(field: string, message: string): AppError {
  return new AppError(ErrorCode.ValidationError, 'Request validation failed', {
    details: [{ field, message }],
  });
}

/** `expires_at` or `expires_in` (default 90 days); never in the past, never beyond one year. */
export function resolveExpiry(body: Pick<CreateKeyBody, 'expires_at' | 'expires_in'>, now: Date): Date {
  if (body.expires_at !== undefined) {
    const at = new Date(body.expires_at);
    if (at.getTime() <= now.getTime()) throw validationError('body.expires_at', 'must be in the future');
    if (at.getTime() > maxKeyExpiry(now).getTime()) {
      throw validationError('body.expires_at', 'must be at most one year from now');
    }
    return at;
  }
  return new Date(now.getTime() + EXPIRES_IN_MS[body.expires_in ?? DEFAULT_EXPIRES_IN]);
}

/** A key's expiry moved by an update: still in the future, at most one year after its creation. */
export function movedExpiry(key: Pick<ApiKeyEntity, 'createdAt'>, requested: string, now: Date): Date {
  const at = new Date(requested);
  if (at.getTime() <= now.getTime()) throw validationError('body.expires_at', 'must be in the future');
  if (at.getTime() > maxKeyExpiry(key.createdAt).getTime()) {
    throw validationError('body.expires_at', 'must be at most one year after the key was created');
  }
  return at;
}

/** A rotated key gets the lifetime its predecessor was given, capped at one year from now. */
export function rotatedExpiry(previous: Pick<ApiKeyEntity, 'createdAt' | 'expiresAt'>, now: Date): Date {
  const lifetime = previous.expiresAt.getTime() - previous.createdAt.getTime();
  return new Date(Math.min(now.getTime() + lifetime, maxKeyExpiry(now).getTime()));
}

type StateFields = Pick<ApiKeyEntity, 'status' | 'expiresAt' | 'graceEndsAt'>;

/**
 * The state of a key at `now`, whether or not the sweeper has recorded it yet: a rotation grace
 * period that ended means revoked; a passed expiry means expired.
 */
export function effectiveKeyStatus(
  key: StateFields,
  now: Date,
): 'active' | 'disabled' | 'revoked' | 'expired' {
  if (key.status === 'revoked' || key.status === 'expired') return key.status;
  const t = now.getTime();
  if (
    key.graceEndsAt &&
    key.graceEndsAt.getTime() <= t &&
    key.graceEndsAt.getTime() < key.expiresAt.getTime()
  ) {
    return 'revoked';
  }
  if (key.expiresAt.getTime() <= t) return 'expired';
  return key.status;
}

/** The instant a cache must stop trusting an active key: its expiry or the end of its grace period. */
export function validUntil(key: Pick<ApiKeyEntity, 'expiresAt' | 'graceEndsAt'>): Date {
  return key.graceEndsAt && key.graceEndsAt.getTime() < key.expiresAt.getTime()
    ? key.graceEndsAt
    : key.expiresAt;
}

export function toKeyView(key: Omit<ApiKeyEntity, 'version'>, now: Date): ApiKeyView {
  return {
    id: key.id,
    object: 'api_key',
    organization_id: key.orgId,
    name: key.name,
    mode: key.mode,
    prefix: key.prefix,
    last4: key.last4,
    permissions: key.permissions,
    scopes: key.scopes,
    rate_limit: key.rateLimit,
    usage_limit: key.usageLimit,
    status: effectiveKeyStatus(key, now),
    expires_at: key.expiresAt.toISOString(),
    created_at: key.createdAt.toISOString(),
    revoked_at: key.revokedAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    rotated_to: key.rotatedTo,
    metadata: key.metadata,
    tags: key.tags,
    ip_allowlist: key.ipAllowlist,
    created_by: { type: key.createdByType, id: key.createdById, display: key.createdByDisplay },
    grace_ends_at: key.graceEndsAt?.toISOString() ?? null,
  };
}

/** The single row `keys.validate` reads: the key joined with its organization. */
export interface ValidationRow extends Pick<
  ApiKeyEntity,
  | 'id'
  | 'orgId'
  | 'mode'
  | 'permissions'
  | 'scopes'
  | 'rateLimit'
  | 'usageLimit'
  | 'status'
  | 'expiresAt'
  | 'graceEndsAt'
> {
  orgStatus: 'active' | 'suspended';
  orgIpAllowlist: string[] | null;
  orgMonthlyLimit: number | null;
  keyIpAllowlist: string[] | null;
}

/**
 * The version a key's change event carries: key and organization versions come from one sequence,
 * so the greater of the two grows on any change of either.
 */
export function policyVersion(keyVersion: number, orgVersion: number): number {
  return Math.max(keyVersion, orgVersion);
}

export function toValidateReply(row: ValidationRow | null, now: Date): ValidateKeyReply {
  if (!row) return { status: 'unknown', policy: null };
  const policy: KeyPolicy = {
    key_id: row.id,
    org_id: row.orgId,
    mode: row.mode,
    permissions: row.permissions,
    scopes: row.scopes,
    rate_limit: row.rateLimit,
    usage_limit: row.usageLimit,
    expires_at: validUntil(row).toISOString(),
    ip_allowlist: row.orgIpAllowlist,
    org_monthly_limit: row.orgMonthlyLimit,
    key_ip_allowlist: row.keyIpAllowlist,
  };
  const keyStatus = effectiveKeyStatus(row, now);
  if (keyStatus !== 'active') return { status: keyStatus, policy };
  if (row.orgStatus === 'suspended') return { status: 'org_suspended', policy };
  return { status: 'active', policy };
}
