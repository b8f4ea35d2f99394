import { CidrList } from './cidr.js';
import type { Scope } from './common.schema.js';
import { AppError, ErrorCode } from './errors.js';
import { type KeyRef, coverageGap, permittedTools, roleAtLeast } from './grant.js';
import type { Role } from './vocabulary.js';
import type { KeyPolicy, ValidationStatus } from './keys.schema.js';

/**
 * The one authorization decision — may this caller act on this target — shared by the gateway
 * (hot path, and every route's check) and the key-service (the authority for NATS callers that
 * name an acting key), so the two cannot drift. Pure: no I/O, no clock reads (the caller passes
 * `now`).
 */
export interface McpRef {
  id: string;
  org_id: string;
  mode: 'live' | 'test';
}

export type DecisionTarget =
  /** Any valid key: `/v1/me`, the caller's own MCP list. */
  | { kind: 'authenticated' }
  /**
   * An organization-wide resource guarded by a management scope. `live`: it holds the
   * organization's live data (org-wide usage, alerts, webhooks, audit), which a test key never
   * reads or changes.
   */
  | { kind: 'scope'; scope: Scope; live?: boolean }
  /** Use one MCP: call it through the gateway, or read it. */
  | { kind: 'mcp'; mcp: McpRef }
  /**
   * Call one tool of an MCP (`tools/call`): the MCP as for `mcp`, and the tool must be in the
   * key's list for that MCP when it has one (`permissions.tools`).
   */
  | { kind: 'mcp.tool'; mcp: McpRef; tool: string }
  /**
   * Register (`mcp` null), change or remove an MCP; `mode` is the MCP's mode after the change.
   * The caller must be permitted the MCP (a new one only with `"*"`, which covers every future
   * MCP), and a test key manages test MCPs only.
   */
  | { kind: 'mcp.manage'; mcp: McpRef | null; mode: 'live' | 'test' }
  /**
   * Read one key, or its usage: a test key reads test keys only. The scope (`keys:read`,
   * `usage:read`) is the route's, checked with a `scope` target.
   */
  | { kind: 'key.read'; key: { org_id: string; mode: 'live' | 'test' } }
  /**
   * Create (`key` null), change, rotate or revoke (`next` null) a key. The caller's grant must
   * cover the key as it is and as it will be (see `coverageGap`).
   */
  | { kind: 'key.manage'; key: KeyRef | null; next: KeyRef | null }
  /**
   * What only a person with at least this role may do (organization settings: `owner`; members:
   * `admin`). API keys never may: these act on people and the organization itself.
   */
  | { kind: 'role'; role: Role };

export type DenyReason =
  | 'unknown_key'
  | 'revoked'
  | 'disabled'
  | 'expired'
  | 'org_suspended'
  | 'ip_not_allowed'
  | 'missing_scope'
  | 'mcp_not_permitted'
  | 'tool_not_permitted'
  | 'test_key_on_live_mcp'
  | 'test_key_on_live_resource'
  | 'not_found'
  | 'grant_not_covered'
  | 'role_required';

export type Decision =
  { allow: true } | { allow: false; status: 401 | 403 | 404; reason: DenyReason; message?: string };

export interface DecisionInput {
  status: ValidationStatus;
  policy: KeyPolicy | null;
  target: DecisionTarget;
  clientIp: string | null;
  now: number;
}

const allowlistCache = new WeakMap<readonly string[], CidrList>();

function ipAllowed(allowlist: readonly string[] | null, ip: string | null): boolean {
  if (!allowlist || allowlist.length === 0) return true;
  if (!ip) return false;
  let list = allowlistCache.get(allowlist);
  if (!list) {
    list = new CidrList(allowlist);
    allowlistCache.set(allowlist, list);
  }
  return list.matches(ip);
}

/**
 * A policy's `expires_at` in ms. Policies are immutable (a changed key gets a new policy object),
 * so it is parsed once per policy and shared by everyone who asks (`decide`, the gateway's
 * decision cache and dashboard sessions): `Date.parse` of the ISO string was ~0.2 µs of every
 * request the gateway admits.
 */
const expiries = new WeakMap<KeyPolicy, number>();
export function policyExpiry(policy: KeyPolicy): number {
  let at = expiries.get(policy);
  if (at === undefined) {
    at = Date.parse(policy.expires_at);
    expiries.set(policy, at);
  }
  return at;
}

export function decide({ status, policy, target, clientIp, now }: DecisionInput): Decision {
  if (status === 'unknown' || !policy) return { allow: false, status: 401, reason: 'unknown_key' };
  if (status === 'revoked')
    return { allow: false, status: 401, reason: 'revoked', message: 'API key has been revoked' };
  if (status === 'disabled')
    return { allow: false, status: 401, reason: 'disabled', message: 'API key is disabled' };
  if (status === 'expired' || policyExpiry(policy) <= now) {
    return { allow: false, status: 401, reason: 'expired', message: 'API key has expired' };
  }
  if (status === 'org_suspended') return { allow: false, status: 403, reason: 'org_suspended' };
  if (!ipAllowed(policy.ip_allowlist, clientIp) || !ipAllowed(policy.key_ip_allowlist ?? null, clientIp))
    return { allow: false, status: 403, reason: 'ip_not_allowed' };

  return authorize(policy, target, now);
}

const ALLOW: Decision = { allow: true };
const MISSING_SCOPE: Decision = { allow: false, status: 403, reason: 'missing_scope' };
const NOT_FOUND: Decision = { allow: false, status: 404, reason: 'not_found' };
/** The refusal of a tool outside the key's list (the MCP endpoint answers it as a JSON-RPC error). */
export const TOOL_NOT_PERMITTED_MESSAGE = 'API key does not have permission for this tool';
const TOOL_NOT_PERMITTED: Decision = {
  allow: false,
  status: 403,
  reason: 'tool_not_permitted',
  message: TOOL_NOT_PERMITTED_MESSAGE,
};
const TEST_ON_LIVE: Decision = { allow: false, status: 403, reason: 'test_key_on_live_resource' };

/** What an active key may do; `decide` has already checked the key itself. */
function authorize(policy: KeyPolicy, target: DecisionTarget, now: number): Decision {
  switch (target.kind) {
    case 'authenticated':
      return ALLOW;
    case 'scope':
      if (!policy.scopes.includes(target.scope)) return MISSING_SCOPE;
      return target.live === true && policy.mode === 'test' ? TEST_ON_LIVE : ALLOW;
    case 'mcp':
      return mayUseMcp(policy, target.mcp);
    case 'mcp.tool': {
      const use = mayUseMcp(policy, target.mcp);
      if (!use.allow) return use;
      const tools = permittedTools(policy.permissions, target.mcp.id);
      return tools === null || tools.includes(target.tool) ? ALLOW : TOOL_NOT_PERMITTED;
    }
    case 'mcp.manage': {
      if (!policy.scopes.includes('mcps:write')) return MISSING_SCOPE;
      if (target.mcp !== null) {
        const use = mayUseMcp(policy, target.mcp);
        if (!use.allow) return use;
      } else if (policy.permissions.mcps !== '*') {
        return { allow: false, status: 403, reason: 'mcp_not_permitted' };
      }
      return policy.mode === 'test' && target.mode === 'live' ? TEST_ON_LIVE : ALLOW;
    }
    case 'key.read':
      if (target.key.org_id !== policy.org_id) return NOT_FOUND;
      return policy.mode === 'test' && target.key.mode === 'live' ? TEST_ON_LIVE : ALLOW;
    case 'key.manage': {
      if (!policy.scopes.includes('keys:write')) return MISSING_SCOPE;
      for (const key of [target.key, target.next]) {
        if (key === null) continue;
        if (key.org_id !== policy.org_id) return NOT_FOUND;
        if (policy.mode === 'test' && key.mode === 'live') return TEST_ON_LIVE;
        const gap = coverageGap(policy, key, now);
        if (gap !== null) return { allow: false, status: 403, reason: 'grant_not_covered', message: gap };
      }
      return ALLOW;
    }
    case 'role':
      if (!policy.user || !roleAtLeast(policy.user.role, target.role)) {
        return {
          allow: false,
          status: 403,
          reason: 'role_required',
          message: `Only an organization ${target.role} may do this`,
        };
      }
      return ALLOW;
  }
}

function mayUseMcp(policy: KeyPolicy, mcp: McpRef): Decision {
  // Another organization's MCP does not exist for this key.
  if (mcp.org_id !== policy.org_id) return { allow: false, status: 404, reason: 'mcp_not_permitted' };
  const listed = policy.permissions.mcps === '*' || policy.permissions.mcps.includes(mcp.id);
  if (!listed) return { allow: false, status: 403, reason: 'mcp_not_permitted' };
  if (policy.mode === 'test' && mcp.mode === 'live') {
    return { allow: false, status: 403, reason: 'test_key_on_live_mcp' };
  }
  return ALLOW;
}

/**
 * The error a refusal answers with: 401 for the key itself (its message may say revoked or
 * expired), 404 for a target outside the caller's organization, 403 for everything else (the
 * code's default message, word for word, unless the rule has a more precise one).
 */
export function refusalError(decision: Extract<Decision, { allow: false }>): AppError {
  switch (decision.status) {
    case 401:
      return new AppError(ErrorCode.Unauthorized, decision.message);
    case 404:
      return new AppError(ErrorCode.NotFound);
    case 403:
      return new AppError(ErrorCode.Forbidden, decision.message);
  }
}
