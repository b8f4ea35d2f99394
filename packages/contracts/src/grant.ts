import { cidrWithin } from './cidr.js';
import { ALL_SCOPES, type Scope } from './common.schema.js';
import type { Role } from './vocabulary.js';
import {
  DEFAULT_EXPIRES_IN,
  EXPIRES_IN_MS,
  type CreateKeyBody,
  type Permissions,
  type RateLimit,
  type UsageLimit,
  maxKeyExpiry,
} from './keys.schema.js';

/**
 * What a key may do: the part of a key that one key can hand to, or hold over, another. Both a
 * cached `KeyPolicy` and a stored key's view have these fields. Pure: no I/O, no clock reads.
 */
export interface KeyGrant {
  mode: 'live' | 'test';
  permissions: Permissions;
  scopes: readonly Scope[];
  rate_limit: RateLimit | null;
  usage_limit: UsageLimit | null;
  /** When the key stops working: its expiry, or the end of a rotation grace period if sooner. */
  expires_at: string;
  /** The key's own IP allowlist (CIDRs); null or absent: any address its organization allows. */
  key_ip_allowlist?: readonly string[] | null;
  /** Set when the grant is a person's (a dashboard session): their role in the organization. */
  user?: { role: Role } | null;
}

/** A key's grant, as a target: which organization it belongs to. */
export interface KeyRef extends KeyGrant {
  org_id: string;
}

/** The key a create request asks for, in `orgId`, expiring at `expiresAt` (see `requestedExpiry`). */
export function requestedKey(orgId: string, body: CreateKeyBody, expiresAt: number): KeyRef {
  return {
    org_id: orgId,
    mode: body.mode,
    permissions: body.permissions,
    scopes: body.scopes,
    rate_limit: body.rate_limit ?? null,
    usage_limit: body.usage_limit ?? null,
    expires_at: new Date(expiresAt).toISOString(),
    key_ip_allowlist: body.ip_allowlist ?? null,
  };
}

/**
 * An organization admin key — the kind `plexmcp org create` prints: live, every scope, every MCP,
 * no rate or usage limit. It covers every key of its organization and may grant expiries up to the
 * one-year maximum even past its own.
 */
export function isOrgAdminGrant(grant: KeyGrant): boolean {
  return (
    grant.mode === 'live' &&
    grant.permissions.mcps === '*' &&
    grant.permissions.tools === undefined &&
    grant.rate_limit === null &&
    grant.usage_limit === null &&
    (grant.key_ip_allowlist ?? null) === null &&
    ALL_SCOPES.every((scope) => grant.scopes.includes(scope))
  );
}

/**
 * The latest expiry `caller` may give a key it creates or rotates at `now`. An organization admin
 * key and a person (whose grant lasts as long as their session, but whose keys are meant to
 * outlive it) may go up to the one-year maximum; any other key up to its own expiry.
 */
export function grantableExpiry(caller: KeyGrant, now: number): number {
  const max = maxKeyExpiry(new Date(now)).getTime();
  const person = caller.user !== undefined && caller.user !== null;
  return person || isOrgAdminGrant(caller) ? max : Math.min(max, Date.parse(caller.expires_at));
}

/**
 * The scopes of each role: owners and admins hold every scope (an organization admin's grant),
 * developers manage keys within that grant and read the rest, viewers only read. What only an
 * owner may do beyond an admin (organization settings, owners) is a `role` decision target.
 */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  owner: ALL_SCOPES,
  admin: ALL_SCOPES,
  developer: ['keys:read', 'keys:write', 'mcps:read', 'usage:read', 'alerts:read', 'webhooks:read'],
  viewer: ['keys:read', 'mcps:read', 'usage:read', 'alerts:read', 'webhooks:read'],
};

/** Roles from strongest to weakest: a role may do what every role after it may. */
const ROLE_RANK: Readonly<Record<Role, number>> = { owner: 0, admin: 1, developer: 2, viewer: 3 };

/** Whether `held` is at least as strong as `required`. */
export function roleAtLeast(held: Role, required: Role): boolean {
  return ROLE_RANK[held] <= ROLE_RANK[required];
}

/**
 * A person's grant in an organization: live, every MCP, no limits, their role's scopes, valid
 * until `expiresAt` (their session's end). The one place a role becomes a grant, so keys and
 * people go through the same `decide()`.
 */
export function roleGrant(role: Role, expiresAt: string): KeyGrant {
  return {
    mode: 'live',
    permissions: { mcps: '*' },
    scopes: ROLE_SCOPES[role],
    rate_limit: null,
    usage_limit: null,
    expires_at: expiresAt,
    user: { role },
  };
}

/** The expiry a create request asks for (`expires_at`, or `expires_in`, default 90 days). */
export function requestedExpiry(body: Pick<CreateKeyBody, 'expires_at' | 'expires_in'>, now: number): number {
  if (body.expires_at !== undefined) return Date.parse(body.expires_at);
  return now + EXPIRES_IN_MS[body.expires_in ?? DEFAULT_EXPIRES_IN];
}

/**
 * The tools `permissions` allows on one MCP: a list, or null for all of them (no `tools` entry).
 * Says nothing about whether the MCP itself is permitted.
 */
export function permittedTools(permissions: Permissions, mcpId: string): readonly string[] | null {
  const tools = permissions.tools;
  if (tools === undefined || !Object.hasOwn(tools, mcpId)) return null;
  return tools[mcpId] ?? null;
}

/** Why the caller's tool lists do not cover the target's: every tool the target may call, it may. */
function toolGap(caller: Permissions, target: Permissions): string | null {
  if (caller.tools === undefined) return null;
  for (const mcpId of Object.keys(caller.tools)) {
    const reaches = target.mcps === '*' || target.mcps.includes(mcpId);
    if (!reaches) continue;
    const own = permittedTools(caller, mcpId) ?? [];
    const theirs = permittedTools(target, mcpId);
    if (theirs === null || theirs.some((tool) => !own.includes(tool))) {
      return `API key cannot act on a key with access to tools of ${mcpId} it does not have`;
    }
  }
  return null;
}

/** Longest days in a month: a daily limit of d allows at most 31·d requests in a month. */
const DAYS_PER_MONTH_MAX = 31;

/** Most requests a usage limit allows in one UTC day and in one calendar month. */
function usageAllowance(limit: UsageLimit | null): { day: number; month: number } {
  if (limit === null) return { day: Infinity, month: Infinity };
  return limit.period === 'day'
    ? { day: limit.requests, month: limit.requests * DAYS_PER_MONTH_MAX }
    : { day: limit.requests, month: limit.requests };
}

function describeRate(limit: RateLimit): string {
  return `${limit.requests_per_second}/s with burst ${limit.burst}`;
}

/**
 * Why `caller` does not cover `target`, or null when it does. A caller covers a key when the key
 * can do nothing the caller cannot: its scopes are a subset, its MCPs a subset (`"*"` covers all),
 * its mode the same or test under a live caller, its expiry no later than the caller's (an
 * organization admin key may go up to the one-year maximum), and its rate and usage limits at
 * least as strict. The same rule governs creating, changing, rotating and revoking a key, so no key
 * ever acts beyond its own grant — on others or on itself.
 */
export function coverageGap(caller: KeyGrant, target: KeyGrant, now: number): string | null {
  if (caller.mode === 'test' && target.mode === 'live') {
    return 'A test key cannot act on live keys';
  }
  const missing = target.scopes.filter((scope) => !caller.scopes.includes(scope));
  if (missing.length > 0) return `API key lacks scopes the target key has: ${missing.join(', ')}`;
  if (caller.permissions.mcps !== '*') {
    const own = caller.permissions.mcps;
    const wanted = target.permissions.mcps;
    if (wanted === '*' || wanted.some((id) => !own.includes(id))) {
      return 'API key cannot act on a key with access to MCPs it does not have';
    }
  }
  const tools = toolGap(caller.permissions, target.permissions);
  if (tools !== null) return tools;
  const ownIps = caller.key_ip_allowlist ?? null;
  if (ownIps !== null && ownIps.length > 0) {
    const theirs = target.key_ip_allowlist ?? null;
    if (theirs === null || theirs.length === 0 || !theirs.every((cidr) => cidrWithin(ownIps, cidr))) {
      return 'API key cannot act on a key usable from addresses outside its own IP allowlist';
    }
  }
  if (Date.parse(target.expires_at) > grantableExpiry(caller, now)) {
    return isOrgAdminGrant(caller)
      ? 'Keys may not live longer than one year'
      : `API key cannot act on a key that expires after the calling key (${caller.expires_at})`;
  }
  if (caller.rate_limit !== null) {
    const own = caller.rate_limit;
    const theirs = target.rate_limit;
    if (theirs === null || theirs.requests_per_second > own.requests_per_second || theirs.burst > own.burst) {
      return `API key cannot act on a key with a looser rate limit than its own (${describeRate(own)})`;
    }
  }
  if (caller.usage_limit !== null) {
    const own = usageAllowance(caller.usage_limit);
    const theirs = usageAllowance(target.usage_limit);
    if (theirs.day > own.day || theirs.month > own.month) {
      return `API key cannot act on a key with a looser usage limit than its own (${caller.usage_limit.requests} per ${caller.usage_limit.period})`;
    }
  }
  return null;
}
