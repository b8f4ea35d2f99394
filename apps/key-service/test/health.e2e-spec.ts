import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Subjects, healthReplySchema } from '@plexmcp/contracts';
import { type Harness, actorOf, startHarness } from './support/harness.js';

/**
 * `keys.health` checks the database the way `keys.validate` uses it: the named validation statement
 * on the service's own pool. A database that still answers `SELECT 1` but cannot serve validations
 * must not be reported healthy (the gateway's /readyz relies on this answer).
 */
describe('keys.health', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('health');
  });
  afterAll(async () => {
    await h.db.query('ALTER TABLE IF EXISTS api_keys_moved_away RENAME TO api_keys').catch(() => undefined);
    await h?.close();
  });

  const health = () => h.rpc.call(Subjects.keys.health, {}, healthReplySchema);
  /** The ops port's `/readyz`, which runs the same checks for the orchestrator. */
  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${h.service.opsPort}/readyz`);
    return { status: res.status, body: await res.json() };
  };

  it('reports the database down while validations fail, though SELECT 1 still works, and up again after', async () => {
    const org = await h.createOrg({ name: 'Healthy' });
    const key = await h.createKey(actorOf(org.admin_key));
    // The validation statement is prepared on the pool's connections by real traffic first.
    expect((await h.validate(key.secret)).status).toBe('active');
    expect(await health()).toMatchObject({ status: 'ok', checks: { database: true, nats: true } });

    await h.db.query('ALTER TABLE api_keys RENAME TO api_keys_moved_away');
    try {
      await expect(h.db.query('SELECT 1')).resolves.toBeDefined();
      await expect(h.validate(key.secret)).rejects.toThrow();
      expect(await health()).toMatchObject({ status: 'degraded', checks: { database: false, nats: true } });
      expect(await readyz()).toEqual({
        status: 503,
        body: { status: 'degraded', checks: { database: false, nats: true } },
      });
    } finally {
      await h.db.query('ALTER TABLE api_keys_moved_away RENAME TO api_keys');
    }

    expect(await health()).toMatchObject({ status: 'ok', checks: { database: true } });
    expect(await readyz()).toEqual({
      status: 200,
      body: { status: 'ok', checks: { database: true, nats: true } },
    });
    expect((await h.validate(key.secret)).status).toBe('active');
  });
});
