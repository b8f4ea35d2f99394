import { beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type RequestRecordedEvent, USAGE_STREAM, requestMessageSchema } from '@plexmcp/contracts';
import { ensureUsageStream } from '@plexmcp/service-kit';
import { waitFor } from '@plexmcp/service-kit/testing';
import { http, type World, gatewaySuite } from './support/world.js';

/** Every request event in the stream (unpacked from its batch), read with an ordered consumer. */
async function readEvents(world: World): Promise<RequestRecordedEvent[]> {
  return (await readMessages(world)).flatMap((m) => m.events);
}

/** Every message in the stream: its msgID and the events it carries. */
async function readMessages(
  world: World,
): Promise<{ msgId: string | undefined; events: RequestRecordedEvent[] }[]> {
  const jsm = await jetstreamManager(world.nc, { timeout: 1_000 });
  const total = (await jsm.streams.info(USAGE_STREAM)).state.messages;
  if (total === 0) return [];
  const consumer = await jetstream(world.nc).consumers.get(USAGE_STREAM);
  const out: { msgId: string | undefined; events: RequestRecordedEvent[] }[] = [];
  const messages = await consumer.fetch({ max_messages: total, expires: 2_000 });
  for await (const m of messages) {
    const message = requestMessageSchema.parse(m.json());
    expect(message.type).toBe('request.batch');
    if (message.type === 'request.batch') {
      expect(m.headers?.get('Nats-Msg-Id')).toBe(message.batch_id);
      out.push({ msgId: m.headers?.get('Nats-Msg-Id'), events: message.events });
    }
    if (out.length === total) break;
  }
  return out;
}

describe('request events to JetStream', () => {
  // A long outage grace so cached keys keep working while NATS is stopped in the last test.
  const s = gatewaySuite('events', { gatewayEnv: { NATS_OUTAGE_CACHE_GRACE_MS: '60000' } });
  // The usage-service manages the stream; without one here, the suite creates it the same way (the
  // gateway's buffered events are retried until it exists).
  beforeAll(async () => {
    await ensureUsageStream(await jetstreamManager(s.world.nc));
  });

  it('publishes one event per authenticated request, in batch messages, with the key, route, status and client', async () => {
    await http(s.gateway.url, '/v1/me', { key: s.admin.secret, headers: { 'user-agent': 'events-test/1' } });
    await http(s.gateway.url, '/v1/keys/key_unknown00000000000000', {
      key: s.admin.secret,
      headers: { 'user-agent': 'events-test/1' },
    });
    await http(s.gateway.url, '/v1/me', { headers: { 'user-agent': 'events-test/1' } }); // unauthenticated: no event
    const mine = await waitFor(
      async () => {
        const events = (await readEvents(s.world)).filter((e) => e.user_agent === 'events-test/1');
        return events.length >= 2 ? events : null;
      },
      { message: 'two events' },
    );
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({
      type: 'request.recorded',
      key_id: s.admin.key.id,
      org_id: s.admin.key.organization_id,
      mode: 'live',
      method: 'GET',
      route: '/v1/me',
      status: 200,
      client_ip: '127.0.0.1',
      mcp_id: null,
    });
    expect(mine[1]).toMatchObject({ route: '/v1/keys/:id', status: 404 });
    expect(new Set(mine.map((e) => e.event_id)).size).toBe(2);
    expect(JSON.stringify(mine)).not.toContain(s.admin.secret);
  });

  it('sends at most EVENT_BATCH_SIZE events per message, each message with its own batch id', async () => {
    const small = await s.world.startGateway({ EVENT_BATCH_SIZE: '5', EVENT_BATCH_WAIT_MS: '1000' });
    await Promise.all(
      Array.from({ length: 12 }, () =>
        http(small.url, '/v1/me', { key: s.admin.secret, headers: { 'user-agent': 'batch-size-test' } }),
      ),
    );
    // Two full batches go out at once; the last two events wait for EVENT_BATCH_WAIT_MS or a flush.
    expect(await small.runtime.publisher.flush(5_000)).toBe(true);
    const messages = await waitFor(
      async () => {
        const mine = (await readMessages(s.world)).filter((m) =>
          m.events.some((e) => e.user_agent === 'batch-size-test'),
        );
        return mine.reduce((n, m) => n + m.events.length, 0) >= 12 ? mine : null;
      },
      { message: 'the 12 events in the stream' },
    );
    expect(messages.map((m) => m.events.length).sort()).toEqual([2, 5, 5]);
    expect(new Set(messages.map((m) => m.msgId)).size).toBe(3);
    await small.close();
  });

  it('buffers events while NATS is away and delivers each exactly once when it returns', async () => {
    await s.gateway.runtime.publisher.flush(5_000);
    // Stop the broker (keeping its JetStream store), make requests with the cached key, restart it.
    await new Promise<void>((resolve) => {
      s.world.nats.process.once('exit', () => resolve());
      s.world.nats.process.kill('SIGTERM');
    });
    await waitFor(() => !s.gateway.runtime.lifecycle.connected, { message: 'gateway seeing NATS down' });
    for (let i = 0; i < 20; i++) {
      const res = await http(s.gateway.url, '/v1/me', {
        key: s.admin.secret,
        headers: { 'user-agent': 'outage-test' },
      });
      expect(res.status).toBe(200);
    }
    expect(s.gateway.runtime.publisher.depth).toBeGreaterThanOrEqual(20);
    const metrics = await http(s.gateway.url, '/metrics');
    expect(metrics.body).toMatch(/plexmcp_gateway_event_buffer_depth (2\d|[3-9]\d)/);

    await s.world.nats.restart();
    await waitFor(() => s.gateway.runtime.publisher.depth === 0, {
      timeoutMs: 15_000,
      message: 'buffer drained',
    });
    // The JetStream API may need a moment after a restart; poll (readEvents throws until then).
    const delivered = await waitFor(
      async () => {
        const events = (await readEvents(s.world)).filter((e) => e.user_agent === 'outage-test');
        return events.length >= 20 ? events : null;
      },
      { timeoutMs: 20_000, message: 'the 20 buffered events in the stream' },
    );
    expect(delivered).toHaveLength(20);
    expect(new Set(delivered.map((e) => e.event_id)).size).toBe(20);
    // Sent as batches after the reconnect, not one message per request.
    const batches = (await readMessages(s.world)).filter((m) =>
      m.events.some((e) => e.user_agent === 'outage-test'),
    );
    expect(batches.length).toBeLessThan(20);
    expect(new Set(batches.map((m) => m.msgId)).size).toBe(batches.length);
    const dropped = await s.gateway.runtime.metrics.eventsDropped.get();
    expect(dropped.values[0]?.value ?? 0).toBe(0);
  });
});
