import { describe, expect, it } from '@jest/globals';
import {
  AppError,
  type Decision,
  ErrorCode,
  type KeyPolicy,
  type ValidateKeyReply,
  generateApiKey,
  hashApiKey,
} from '@plexmcp/contracts';
import type { NatsRpcClient } from '@plexmcp/service-kit';
import { waitFor } from '@plexmcp/service-kit/testing';
import { pino } from 'pino';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { FailedAttemptThrottle } from './failed-attempt-throttle.js';
import { MemoryRateLimitStore } from './rate-limit-store.js';
import { KeyAuthority, type PresentedKey, Refusal, permit, presentKey, refusalOf } from './key-authority.js';
import { KeyDecisionCache } from './key-decision-cache.js';
import type { AuthContext } from './request-context.js';

const KEY = generateApiKey('live');
/** The same key with its last checksum character changed. */
const TYPO = KEY.slice(0, -1) + (KEY.endsWith('x') ? 'y' : 'x');
const NOW = Date.now();

const policy = (over: Partial<KeyPolicy> = {}): KeyPolicy => ({
  key_id: 'key_0000000000000000000001',
  org_id: 'org_0000000000000000000001',
  mode: 'live',
  permissions: { mcps: '*' },
  scopes: ['keys:read'],
  rate_limit: null,
  usage_limit: null,
  expires_at: new Date(NOW + 86_400_000).toISOString(),
  ip_allowlist: null,
  org_monthly_limit: null,
  ...over,
});

/** The key-service's answers for this unit test, by key hash; a thrown value fails the call. */
class ScriptedKeyService {
  calls = 0;
  constructor(private readonly answer: (keyHash: string) => ValidateKeyReply | Error) {}
  call(_subject: string, request: { key_hash: string }): Promise<ValidateKeyReply> {
    this.calls += 1;
    const reply = this.answer(request.key_hash);
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
  }
}

function authorityWith(answer: (keyHash: string) => ValidateKeyReply | Error) {
  const service = new ScriptedKeyService(answer);
  const cache = new KeyDecisionCache(
    service as unknown as NatsRpcClient,
    { positiveTtlMs: 60_000, negativeTtlMs: 1_000, maxEntries: 100, timeoutMs: 100 },
    new GatewayMetrics({ collectDefaults: false }),
  );
  const throttle = new FailedAttemptThrottle(2, new MemoryRateLimitStore());
  const authority = new KeyAuthority(cache, throttle, pino({ level: 'silent' }));
  return { authority, service, throttle };
}

const presented = (): PresentedKey => {
  const key = presentKey(KEY);
  if (key === null) throw new Error('test key is malformed');
  return key;
};

describe('refusals: a decide() verdict becomes one answer', () => {
  const denied = (status: 401 | 403 | 404, message?: string): Extract<Decision, { allow: false }> => ({
    allow: false,
    status,
    reason: status === 404 ? 'not_found' : 'missing_scope',
    ...(message === undefined ? {} : { message }),
  });

  it('401 unauthorized, 403 forbidden, 404 not_found, keeping a precise message and the reason', () => {
    const revoked = refusalOf(denied(401, 'API key has been revoked'));
    expect(revoked.error).toMatchObject({
      code: ErrorCode.Unauthorized,
      message: 'API key has been revoked',
    });
    expect(revoked.error.status).toBe(401);
    expect(refusalOf(denied(403)).error).toMatchObject({
      code: ErrorCode.Forbidden,
      message: 'API key does not have permission for this resource',
    });
    const missing = refusalOf(denied(404));
    expect(missing.error.status).toBe(404);
    expect(missing.reason).toBe('not_found');
    expect(missing.error.headers).toBeUndefined();
  });

  it('on the MCP endpoint 401 and 403 carry the RFC 6750 challenge, 404 does not', () => {
    expect(refusalOf(denied(401), true).error.headers).toEqual({ 'www-authenticate': 'Bearer' });
    expect(refusalOf(denied(403), true).error.headers).toEqual({
      'www-authenticate': 'Bearer error="insufficient_scope"',
    });
    expect(refusalOf(denied(404), true).error.headers).toBeUndefined();
  });

  it('permit() refuses what the caller may not do, with the same mapping', () => {
    const caller: AuthContext = { policy: policy({ mode: 'test' }), ...presented() };
    expect(permit(caller, { kind: 'scope', scope: 'keys:read' }, { clientIp: null }, NOW)).toBeNull();
    const refused = permit(caller, { kind: 'scope', scope: 'keys:write' }, { clientIp: null }, NOW);
    expect(refused).toMatchObject({ reason: 'missing_scope', error: { code: ErrorCode.Forbidden } });
    const live = { id: 'mcp_000000000000000000000a', org_id: policy().org_id, mode: 'live' as const };
    const onMcp = permit(caller, { kind: 'mcp', mcp: live }, { clientIp: null, challenge: true }, NOW);
    expect(onMcp?.reason).toBe('test_key_on_live_mcp');
    expect(onMcp?.error.headers).toEqual({ 'www-authenticate': 'Bearer error="insufficient_scope"' });
  });
});

describe('KeyAuthority', () => {
  it('a Bearer header: missing, malformed header or malformed key is 401 without asking anyone', () => {
    const { authority, service } = authorityWith(() => new Error('not called'));
    expect(authority.bearer(undefined, { clientIp: null })).toMatchObject({
      reason: 'missing_or_malformed_header',
    });
    expect(authority.bearer(`Basic ${KEY}`, { clientIp: null })).toMatchObject({
      reason: 'missing_or_malformed_header',
    });
    const typo = authority.bearer(`Bearer ${TYPO}`, { clientIp: null, challenge: true });
    expect(typo).toBeInstanceOf(Refusal);
    expect((typo as Refusal).reason).toBe('malformed_key');
    expect((typo as Refusal).error.headers).toEqual({ 'www-authenticate': 'Bearer' });
    expect(authority.bearer(`Bearer ${KEY}`, { clientIp: null })).toEqual(presented());
    expect(presented().keyHash).toBe(hashApiKey(KEY));
    expect(service.calls).toBe(0);
  });

  it('a key the cache knows is presented as before, and a malformed one is still refused beside it', async () => {
    const { authority, service } = authorityWith(() => ({ status: 'active', policy: policy() }));
    await authority.authenticate(presented(), { clientIp: null }, NOW);
    expect(service.calls).toBe(1);
    expect(authority.bearer(`Bearer ${KEY}`, { clientIp: null })).toEqual(presented());
    const typo = authority.bearer(`Bearer ${TYPO}`, { clientIp: null });
    expect((typo as Refusal).reason).toBe('malformed_key');
    expect(
      authority.bearer(`Bearer ${KEY.replace('pk_live_', 'pk_tset_')}`, { clientIp: null }),
    ).toMatchObject({
      reason: 'malformed_key',
    });
    expect(service.calls).toBe(1);
  });

  it('an active key is the caller: asked once, then answered synchronously from the cache', async () => {
    const { authority, service } = authorityWith(() => ({ status: 'active', policy: policy() }));
    const first = authority.authenticate(presented(), { clientIp: '192.0.2.1' }, NOW);
    expect(first).toBeInstanceOf(Promise);
    const caller = await first;
    expect(caller).toEqual({ policy: policy(), ...presented() });
    const again = authority.authenticate(presented(), { clientIp: '192.0.2.1' }, NOW);
    expect(again).toEqual(caller);
    expect(service.calls).toBe(1);
  });

  it('unknown, revoked and suspended keys and foreign IPs are refused with what decide() says', async () => {
    const replies: Record<string, ValidateKeyReply> = {
      unknown_key: { status: 'unknown', policy: null },
      revoked: { status: 'revoked', policy: policy() },
      org_suspended: { status: 'org_suspended', policy: policy() },
      ip_not_allowed: { status: 'active', policy: policy({ ip_allowlist: ['10.0.0.0/8'] }) },
    };
    for (const [reason, reply] of Object.entries(replies)) {
      const { authority } = authorityWith(() => reply);
      const verdict = await authority.authenticate(presented(), { clientIp: '192.0.2.1' }, NOW);
      expect(verdict).toBeInstanceOf(Refusal);
      expect((verdict as Refusal).reason).toBe(reason);
    }
    const walled = authorityWith(() => replies.ip_not_allowed!).authority;
    const { authority } = authorityWith(() => replies.revoked!);
    await expect(authority.caller(presented(), { clientIp: null }, NOW)).rejects.toMatchObject({
      code: ErrorCode.Unauthorized,
      message: 'API key has been revoked',
    });
    await expect(walled.authenticate(presented(), { clientIp: '192.0.2.1' }, NOW)).resolves.toMatchObject({
      reason: 'ip_not_allowed',
      error: { code: ErrorCode.Forbidden },
    });
    // The cached decision is re-decided for each request's address.
    expect(walled.authenticate(presented(), { clientIp: '10.0.0.1' }, NOW)).toMatchObject({
      policy: { key_id: policy().key_id },
    });
  });

  it('no definite answer is 503, never a pass', async () => {
    const failures: [Error, string][] = [
      [new AppError(ErrorCode.ServiceUnavailable), 'key_service_unavailable'],
      [new AppError(ErrorCode.ValidationError), 'validation_error'],
      [new Error('socket closed'), 'key_service_unavailable'],
    ];
    for (const [failure, reason] of failures) {
      const { authority } = authorityWith(() => failure);
      const verdict = await authority.authenticate(presented(), { clientIp: null }, NOW);
      expect(verdict).toBeInstanceOf(Refusal);
      expect((verdict as Refusal).reason).toBe(reason);
      expect((verdict as Refusal).error.code).toBe(ErrorCode.ServiceUnavailable);
    }
  });

  it('counts only 401s against the client IP, and throttles it with Retry-After past the limit', async () => {
    const { authority } = authorityWith(() => new Error('not called'));
    const ip = '198.51.100.7';
    // The throttle allows two failures a minute; these two are not failed authentications.
    authority.failed(new AppError(ErrorCode.Forbidden), ip);
    authority.failed(new AppError(ErrorCode.ServiceUnavailable), ip);
    await new Promise((resolve) => setImmediate(resolve));
    expect(authority.throttled(ip, Date.now())).toBeNull();
    for (let i = 0; i < 2; i++) authority.failed(new AppError(ErrorCode.Unauthorized), ip);
    const throttled = await waitFor(() => authority.throttled(ip, Date.now()), {
      message: 'the IP throttled',
    });
    expect(throttled?.reason).toBe('throttled');
    expect(throttled?.error.code).toBe(ErrorCode.RateLimited);
    expect(Number(throttled?.error.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(authority.throttled('198.51.100.8', Date.now())).toBeNull();
  });
});
