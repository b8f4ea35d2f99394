import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CreatedKey, ErrorCode, Subjects, apiKeyViewSchema, generateApiKey } from '@plexmcp/contracts';
import { pino } from 'pino';
import { FailedAttemptThrottle } from '../src/auth/failed-attempt-throttle.js';
import { MemoryRateLimitStore } from '../src/auth/rate-limit-store.js';
import { KeyAuthority, type PresentedKey, Refusal, presentKey } from '../src/auth/key-authority.js';
import { KeyDecisionCache } from '../src/auth/key-decision-cache.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { actorOf, startWorld, type World } from './support/world.js';

const TIMEOUT_MS = 400;

/**
 * The key authority on its own, with the real decision cache asking the real key-service over
 * NATS: the verdict a Bearer key and a dashboard session get, whatever the key's state.
 */
describe('key authority: a presented key in, the caller or a refusal out', () => {
  let world: World;
  let authority: KeyAuthority;
  let admin: CreatedKey;

  const freshAuthority = () =>
    new KeyAuthority(
      new KeyDecisionCache(
        world.rpc,
        { positiveTtlMs: 60_000, negativeTtlMs: 1_000, maxEntries: 1_000, timeoutMs: TIMEOUT_MS },
        new GatewayMetrics({ collectDefaults: false }),
      ),
      new FailedAttemptThrottle(1_000, new MemoryRateLimitStore()),
      pino({ level: 'silent' }),
    );
  const presented = (secret: string): PresentedKey => presentKey(secret)!;

  beforeAll(async () => {
    world = await startWorld('authority');
    authority = freshAuthority();
    admin = (await world.createOrg()).admin_key;
  });
  afterAll(async () => world.close());

  it('a Bearer key and the session naming the same key give the same caller', async () => {
    const bearer = authority.bearer(`Bearer ${admin.secret}`, { clientIp: null });
    expect(bearer).not.toBeInstanceOf(Refusal);
    const viaBearer = await authority.caller(bearer as PresentedKey, { clientIp: null }, Date.now());
    expect(viaBearer.policy).toMatchObject({ key_id: admin.key.id, org_id: admin.key.organization_id });
    expect(viaBearer.keyPrefix).toBe(admin.key.prefix);
    // What a session cookie carries: the hash and the display parts, never the key.
    const claims = { ...presented(admin.secret), expiresAt: Date.now() + 60_000 };
    const viaSession = await authority.caller(claims, { clientIp: null }, Date.now());
    expect(viaSession).toEqual(viaBearer);
  });

  it('unknown and revoked keys are 401, a suspended organization 403', async () => {
    const unknown = await authority.authenticate(
      presented(generateApiKey('live')),
      { clientIp: null },
      Date.now(),
    );
    expect(unknown).toMatchObject({ reason: 'unknown_key', error: { code: ErrorCode.Unauthorized } });

    const doomed = await world.createKey(actorOf(admin));
    await world.rpc.call(
      Subjects.keys.revoke,
      { actor: actorOf(admin), id: doomed.key.id },
      apiKeyViewSchema,
    );
    const revoked = await authority.authenticate(presented(doomed.secret), { clientIp: null }, Date.now());
    expect(revoked).toMatchObject({ reason: 'revoked', error: { code: ErrorCode.Unauthorized } });
    expect((revoked as Refusal).error.message).toBe('API key has been revoked');

    const other = await world.createOrg({ name: 'Suspended' });
    await world.suspendOrg(other.organization.id);
    const suspended = await authority.authenticate(
      presented(other.admin_key.secret),
      { clientIp: null, challenge: true },
      Date.now(),
    );
    expect(suspended).toMatchObject({ reason: 'org_suspended', error: { code: ErrorCode.Forbidden } });
    expect((suspended as Refusal).error.headers).toEqual({
      'www-authenticate': 'Bearer error="insufficient_scope"',
    });
  });

  it('a key-service that does not answer is 503 within the timeout; a cached key still passes', async () => {
    const cached = presented(admin.secret);
    await authority.caller(cached, { clientIp: null }, Date.now());
    const uncached = await world.createKey(actorOf(admin));
    await world.stopKeyService();
    try {
      const t0 = performance.now();
      const verdict = await authority.authenticate(
        presented(uncached.secret),
        { clientIp: null },
        Date.now(),
      );
      expect(performance.now() - t0).toBeLessThan(TIMEOUT_MS + 300);
      expect(verdict).toMatchObject({
        reason: 'key_service_unavailable',
        error: { code: ErrorCode.ServiceUnavailable },
      });
      expect(authority.authenticate(cached, { clientIp: null }, Date.now())).toMatchObject({
        policy: { key_id: admin.key.id },
      });
    } finally {
      await world.startKeyService();
    }
  });
});
