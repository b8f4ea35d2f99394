import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Actor,
  type KeyEvent,
  Subjects,
  apiKeyViewSchema,
  auditPageSchema,
  keyEventSchema,
  mcpViewSchema,
  organizationViewSchema,
  rotatedKeySchema,
} from '@plexmcp/contracts';
import { connectNats, type NatsConnection } from '@plexmcp/service-kit';
import { waitFor } from '@plexmcp/service-kit/testing';
import { type Harness, startHarness } from './support/harness.js';
import { FakeGateway } from './support/fake-gateway.js';

/** Cache-eviction events: every gateway forgets a changed key before the change is acknowledged. */
describe('key events', () => {
  let h: Harness;
  let admin: Actor;
  let listener: NatsConnection;
  const seen: { event: KeyEvent; subject: string }[] = [];

  beforeAll(async () => {
    h = await startHarness('events', { sweepIntervalMs: 100, eventAckTimeoutMs: 500 });
    admin = await h.createAdmin('Events');
    listener = await connectNats(h.nats.url, 'event-listener');
    listener.subscribe(Subjects.keyEvents.wildcard, {
      callback: (_err, msg) => {
        seen.push({ event: keyEventSchema.parse(msg.json()), subject: msg.subject });
      },
    });
    await listener.flush();
  });
  afterAll(async () => {
    await listener?.close();
    await h?.close();
  });

  const eventsFor = (type: KeyEvent['type'], id: string) =>
    seen.filter((s) => s.event.type === type && ('key_id' in s.event ? s.event.key_id : '') === id);

  it('revoke: a subscriber receives the event before the revoke reply', async () => {
    const key = await h.createKey(admin);
    const order: string[] = [];
    const sub = h.nc.subscribe(Subjects.keyEvents.revoked, {
      callback: (_err, msg) => {
        const event = keyEventSchema.parse(msg.json());
        if (event.type === 'key.revoked' && event.key_id === key.key.id) order.push('event');
      },
    });
    await h.nc.flush();
    await h.rpc.call(Subjects.keys.revoke, { actor: admin, id: key.key.id }, apiKeyViewSchema);
    order.push('reply');
    sub.unsubscribe();
    expect(order).toEqual(['event', 'reply']);
    const revokedEvent = await waitFor(() => eventsFor('key.revoked', key.key.id)[0]?.event, {
      message: 'key.revoked event',
    });
    expect(revokedEvent).toMatchObject({
      key_hash: (
        await h.db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [key.key.id])
      ).rows[0]!.key_hash,
      org_id: admin.org_id,
    });
  });

  it('event versions grow with every change: a key changed after its organization carries a greater one', async () => {
    const actor = await h.createAdmin('Versioned');
    const key = await h.createKey(actor);

    await h.rpc.call(
      Subjects.orgs.update,
      { id: actor.org_id, body: { status: 'suspended' } },
      organizationViewSchema,
    );
    const orgEvent = await waitFor(
      () => seen.find((s) => s.event.type === 'org.updated' && s.event.org_id === actor.org_id)?.event,
      { message: 'org.updated event' },
    );
    const orgVersion = 'version' in orgEvent ? orgEvent.version : NaN;
    expect(orgVersion).toBeGreaterThan(0);

    // The organization is suspended, so its own keys can no longer act: the operator revokes.
    const operator = { org_id: actor.org_id, key_id: null, ip: null };
    await h.rpc.call(Subjects.keys.revoke, { actor: operator, id: key.key.id }, apiKeyViewSchema);
    const keyEvent = await waitFor(() => eventsFor('key.revoked', key.key.id)[0]?.event, {
      message: 'key.revoked event',
    });
    const keyVersion = 'version' in keyEvent ? keyEvent.version : NaN;
    expect(keyVersion).toBeGreaterThan(orgVersion);
  });

  describe('with live gateways', () => {
    let fast: FakeGateway;
    let slow: FakeGateway;

    beforeAll(async () => {
      fast = await FakeGateway.start(h.nats.url, 'gw-fast');
      slow = await FakeGateway.start(h.nats.url, 'gw-slow', { ackDelayMs: 150 });
      // The key-service learns about gateways from heartbeats; probe until both are counted.
      await waitFor(
        async () => {
          await fast.heartbeat();
          await slow.heartbeat();
          await h.rpc.call(
            Subjects.orgs.update,
            { id: admin.org_id, body: { name: 'Events' } },
            organizationViewSchema,
          );
          return [fast, slow].every((g) =>
            g.received.some((r) => r.event.type === 'org.updated' && r.wantsAck),
          );
        },
        { message: 'gateways to be counted as live' },
      );
    });
    afterAll(async () => {
      await fast?.stop();
      await slow?.stop();
    });

    it('revoke answers only after every live gateway acknowledged the eviction', async () => {
      const key = await h.createKey(admin);
      await h.rpc.call(Subjects.keys.revoke, { actor: admin, id: key.key.id }, apiKeyViewSchema);
      const repliedAt = Date.now();
      for (const gw of [fast, slow]) {
        const got = gw.received.find((r) => r.event.type === 'key.revoked' && r.event.key_id === key.key.id);
        expect(got?.ackedAt).not.toBeNull();
        expect(got!.ackedAt!).toBeLessThanOrEqual(repliedAt);
      }
    });

    it('update, rotate, organization and MCP changes are announced the same way', async () => {
      const key = await h.createKey(admin);
      await h.rpc.call(
        Subjects.keys.update,
        { actor: admin, id: key.key.id, body: { scopes: ['usage:read'] } },
        apiKeyViewSchema,
      );
      const rotated = await h.rpc.call(
        Subjects.keys.rotate,
        { actor: admin, id: key.key.id, body: {} },
        rotatedKeySchema,
      );
      const mcp = await h.createMcp(admin);
      await h.rpc.call(
        Subjects.mcps.update,
        { actor: admin, id: mcp.id, body: { name: 'Renamed' } },
        mcpViewSchema,
      );
      await h.rpc.call(Subjects.mcps.delete, { actor: admin, id: mcp.id }, mcpViewSchema);
      const types = fast.received
        .map((r) => r.event)
        .filter((e) => ('key_id' in e && e.key_id === key.key.id) || ('mcp_id' in e && e.mcp_id === mcp.id));
      expect(types.map((e) => e.type)).toEqual(['key.updated', 'key.rotated', 'mcp.updated', 'mcp.updated']);
      expect(types[1]).toMatchObject({ new_key_id: rotated.key.id });
      expect(fast.received.filter((r) => r.wantsAck).every((r) => r.ackedAt !== null)).toBe(true);
    });

    // Last in this block: the ghost stays counted until its heartbeat lapses.
    it('a gateway that vanished without a goodbye delays a change until its heartbeat TTL lapses, no longer', async () => {
      const ghost = await FakeGateway.start(h.nats.url, 'gw-ghost', { acks: false });
      const key = await h.createKey(admin);
      const beatAt = Date.now();
      await ghost.heartbeat(1_000);
      await h.rpc.call(Subjects.keys.revoke, { actor: admin, id: key.key.id }, apiKeyViewSchema);
      const repliedAt = Date.now();
      // It stalled, so it stops trusting its cache once its TTL has passed; the revoke waits that long.
      expect(repliedAt - beatAt).toBeGreaterThanOrEqual(1_000);
      expect(repliedAt - beatAt).toBeLessThan(1_000 + 2 * 500 + 1_000);
      expect(
        ghost.received.some((r) => r.event.type === 'key.revoked' && r.event.key_id === key.key.id),
      ).toBe(true);
      await ghost.stop();
    });
  });

  it('the sweeper marks an expired key, records it and announces key.expired', async () => {
    const key = await h.createKey(admin);
    await h.db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      key.key.id,
    ]);
    await waitFor(() => eventsFor('key.expired', key.key.id).length > 0, { message: 'key.expired event' });
    const { rows } = await h.db.query<{ status: string }>('SELECT status FROM api_keys WHERE id = $1', [
      key.key.id,
    ]);
    expect(rows[0]!.status).toBe('expired');
    expect((await h.validate(key.secret)).status).toBe('expired');
    const audit = await h.rpc.call(
      Subjects.audit.list,
      { actor: admin, page: { limit: 100 } },
      auditPageSchema,
    );
    expect(audit.items.find((e) => e.target_id === key.key.id && e.action === 'key.expired')).toMatchObject({
      actor_key_id: null,
    });
  });

  it('a rotation grace period ends with the old key revoked and announced', async () => {
    const key = await h.createKey(admin);
    const rotated = await h.rpc.call(
      Subjects.keys.rotate,
      { actor: admin, id: key.key.id, body: { grace_period: '1h' } },
      rotatedKeySchema,
    );
    const during = await h.validate(key.secret);
    expect(during.status).toBe('active');
    expect(Date.parse(during.policy!.expires_at) - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect((await h.validate(rotated.secret)).status).toBe('active');

    await h.db.query(`UPDATE api_keys SET grace_ends_at = now() - interval '1 millisecond' WHERE id = $1`, [
      key.key.id,
    ]);
    await waitFor(() => eventsFor('key.revoked', key.key.id).length > 0, {
      message: 'key.revoked after grace',
    });
    expect((await h.validate(key.secret)).status).toBe('revoked');
    expect((await h.validate(rotated.secret)).status).toBe('active');
    const audit = await h.rpc.call(
      Subjects.audit.list,
      { actor: admin, page: { limit: 100 } },
      auditPageSchema,
    );
    const actions = audit.items.filter((e) => e.target_id === key.key.id).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['key.rotated', 'key.revoked']));
  });

  it('two instances sweeping together announce each expiry exactly once', async () => {
    const second = await h.startInstance({ sweepIntervalMs: 100 });
    try {
      const keys = await Promise.all(
        Array.from({ length: 20 }, (_, i) => h.createKey(admin, { name: `batch ${i}` })),
      );
      const ids = keys.map((k) => k.key.id);
      await h.db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = ANY($1)`, [
        ids,
      ]);
      await waitFor(() => ids.every((id) => eventsFor('key.expired', id).length > 0), {
        message: 'all expiries',
      });
      // A later key expiring proves further sweeps ran on both instances without repeating any.
      const sentinel = await h.createKey(admin, { name: 'sentinel' });
      await h.db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        sentinel.key.id,
      ]);
      await waitFor(() => eventsFor('key.expired', sentinel.key.id).length > 0, {
        message: 'sentinel expiry',
      });
      for (const id of [...ids, sentinel.key.id]) expect(eventsFor('key.expired', id)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
