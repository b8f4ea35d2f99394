import { describe, expect, it } from '@jest/globals';
import { AppError } from '@plexmcp/contracts';
import type { ApiKeyEntity } from './api-key.entity.js';
import {
  effectiveKeyStatus,
  movedExpiry,
  resolveExpiry,
  rotatedExpiry,
  toKeyView,
  toValidateReply,
  type ValidationRow,
  validUntil,
} from './key-lifecycle.js';

const DAY = 86_400_000;
const now = new Date('2026-03-01T12:00:00.000Z');
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.details?.[0]?.field;
    throw err;
  }
  return undefined;
}

describe('resolveExpiry', () => {
  it('defaults to 90 days and maps expires_in', () => {
    expect(resolveExpiry({}, now)).toEqual(at(90 * DAY));
    expect(resolveExpiry({ expires_in: '30d' }, now)).toEqual(at(30 * DAY));
    expect(resolveExpiry({ expires_in: '365d' }, now)).toEqual(at(365 * DAY));
  });

  it('accepts an explicit date up to exactly one calendar year ahead', () => {
    expect(resolveExpiry({ expires_at: '2027-03-01T12:00:00.000Z' }, now).toISOString()).toBe(
      '2027-03-01T12:00:00.000Z',
    );
    expect(fieldOf(() => resolveExpiry({ expires_at: '2027-03-01T12:00:00.001Z' }, now))).toBe(
      'body.expires_at',
    );
  });

  it('refuses a date that is not in the future', () => {
    expect(fieldOf(() => resolveExpiry({ expires_at: now.toISOString() }, now))).toBe('body.expires_at');
  });
});

describe('movedExpiry', () => {
  const key = { createdAt: at(-100 * DAY) };
  it('moves within the future and one calendar year after the key was created', () => {
    expect(movedExpiry(key, at(DAY).toISOString(), now)).toEqual(at(DAY));
    const limit = '2026-11-21T12:00:00.000Z'; // one calendar year after 2025-11-21, the creation
    expect(movedExpiry(key, limit, now).toISOString()).toBe(limit);
  });

  it('refuses the past, now, and a day past one year after creation', () => {
    for (const requested of [at(-1).toISOString(), now.toISOString(), '2026-11-21T12:00:00.001Z']) {
      expect(fieldOf(() => movedExpiry(key, requested, now))).toBe('body.expires_at');
    }
  });
});

describe('rotatedExpiry', () => {
  it('gives the new key the lifetime of the old one, capped at one year', () => {
    expect(rotatedExpiry({ createdAt: at(-10 * DAY), expiresAt: at(20 * DAY) }, now)).toEqual(at(30 * DAY));
    const longest = rotatedExpiry({ createdAt: at(-DAY), expiresAt: at(366 * DAY) }, now);
    expect(longest.toISOString()).toBe('2027-03-01T12:00:00.000Z');
  });
});

describe('effectiveKeyStatus', () => {
  const base = { status: 'active' as const, expiresAt: at(DAY), graceEndsAt: null };
  it('applies the clock before the sweeper does', () => {
    expect(effectiveKeyStatus(base, now)).toBe('active');
    expect(effectiveKeyStatus({ ...base, expiresAt: now }, now)).toBe('expired');
    expect(effectiveKeyStatus({ ...base, graceEndsAt: at(-1) }, now)).toBe('revoked');
    expect(effectiveKeyStatus({ ...base, graceEndsAt: at(1) }, now)).toBe('active');
  });
  it('a grace period reaching the expiry ends as an expiry', () => {
    expect(effectiveKeyStatus({ ...base, expiresAt: at(-1), graceEndsAt: at(-1) }, now)).toBe('expired');
  });
  it('keeps what was recorded', () => {
    expect(effectiveKeyStatus({ ...base, status: 'revoked' }, now)).toBe('revoked');
    expect(effectiveKeyStatus({ ...base, status: 'expired' }, now)).toBe('expired');
  });
  it('a cache must stop trusting a key at the earlier of expiry and grace end', () => {
    expect(validUntil({ expiresAt: at(DAY), graceEndsAt: at(3_600_000) })).toEqual(at(3_600_000));
    expect(validUntil({ expiresAt: at(DAY), graceEndsAt: null })).toEqual(at(DAY));
  });
});

describe('toValidateReply', () => {
  const row: ValidationRow = {
    id: 'key_abcdefgh12345678',
    orgId: 'org_abcdefgh12345678',
    mode: 'live',
    permissions: { mcps: '*' },
    scopes: ['keys:read'],
    rateLimit: null,
    usageLimit: null,
    status: 'active',
    expiresAt: at(DAY),
    graceEndsAt: null,
    orgStatus: 'active',
    orgIpAllowlist: ['10.0.0.0/8'],
    orgMonthlyLimit: 1000,
    keyIpAllowlist: ['10.1.0.0/16'],
  };
  it('answers unknown without a policy for a missing key', () => {
    expect(toValidateReply(null, now)).toEqual({ status: 'unknown', policy: null });
  });
  it('carries the organization policy', () => {
    const reply = toValidateReply(row, now);
    expect(reply.status).toBe('active');
    expect(reply.policy).toMatchObject({
      ip_allowlist: ['10.0.0.0/8'],
      key_ip_allowlist: ['10.1.0.0/16'],
      org_monthly_limit: 1000,
    });
  });
  it('a disabled key is refused until enabled, and expires like any other', () => {
    expect(toValidateReply({ ...row, status: 'disabled' }, now).status).toBe('disabled');
    expect(toValidateReply({ ...row, status: 'disabled', expiresAt: at(-1) }, now).status).toBe('expired');
  });
  it('a revoked or expired key says so even in a suspended organization', () => {
    expect(toValidateReply({ ...row, status: 'revoked', orgStatus: 'suspended' }, now).status).toBe(
      'revoked',
    );
    expect(toValidateReply({ ...row, expiresAt: at(-1), orgStatus: 'suspended' }, now).status).toBe(
      'expired',
    );
    expect(toValidateReply({ ...row, orgStatus: 'suspended' }, now).status).toBe('org_suspended');
  });
});

describe('toKeyView', () => {
  it('never includes the hash', () => {
    const key = {
      id: 'key_abcdefgh12345678',
      orgId: 'org_abcdefgh12345678',
      name: 'n',
      mode: 'live',
      keyHash: 'f'.repeat(64),
      prefix: 'pk_live_AbCd',
      last4: 'wxyz',
      permissions: { mcps: '*' },
      scopes: [],
      rateLimit: null,
      usageLimit: null,
      status: 'active',
      expiresAt: at(DAY),
      graceEndsAt: null,
      rotatedTo: null,
      revokedAt: null,
      lastUsedAt: null,
      metadata: { team: 'payments' },
      tags: ['prod'],
      ipAllowlist: null,
      createdByType: 'system',
      createdById: null,
      createdByDisplay: 'system',
      version: 1,
      createdAt: now,
      updatedAt: now,
    } satisfies ApiKeyEntity;
    expect(JSON.stringify(toKeyView(key, now))).not.toContain('f'.repeat(64));
  });
});
