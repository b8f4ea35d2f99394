import { beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type RequestTally, USAGE_STREAM, requestMessageSchema } from '@plexmcp/contracts';
import { ensureUsageStream } from '@plexmcp/service-kit';
import { waitFor } from '@plexmcp/service-kit/testing';
import { http, type World, gatewaySuite } from './support/world.js';

/** Every tally in the stream (unpacked from its report), read with an ordered consumer. */
async function readTallies(world: World): Promise<RequestTally[]> {
  return (await readMessages(world)).flatMap((m) => m.tallies);
}

/** Every message in the stream: its msgID and the tallies it carries. */
async function readMessages(world: World): Promise<{ msgId: string | undefined; tallies: RequestTally[] }[]> {
  const jsm = await jetstreamManager(world.nc, { timeout: 1_000 });
  const total = (await jsm.streams.info(USAGE_STREAM)).state.messages;
  if (total === 0) return [];
  const consumer = await jetstream(world.nc).consumers.get(USAGE_STREAM);
  const out: { msgId: string | undefined; tallies: RequestTally[] }[] = [];
  const messages = await consumer.fetch({ max_messages: total, expires: 2_000 });
  for await (const m of messages) {
    const message = requestMessageSchema.parse(m.json());
    expect(message.type).toBe('request.tally');
    if (message.type === 'request.tally') {
      expect(m.headers?.get('Nats-Msg-Id')).toBe(message.batch_id);
      out.push({ msgId: m.headers?.get('Nats-Msg-Id'), tallies: message.tallies });
    }
    if (out.length === total) break;
  }
  return out;
}

const requestsOf = (tallies: RequestTally[]) => tallies.reduce((n, t) => n + t.requests, 0);

describe('usage reports to JetStream', () => {
  // A long outage grace so cached keys keep working while NATS is stopped in the last test.
  const s = gatewaySuite('events', { gatewayEnv: { NATS_OUTAGE_CACHE_GRACE_MS: '60000' } });
  // The usage-service manages the stream; without one here, the suite creates it the same way (the
  // gateway's buffered reports are retried until it exists).
  beforeAll(async () => {
    await ensureUsageStream(await jetstreamManager(s.world.nc));
  });

  it('counts authenticated requests in tallies per key, route and status class, without the key or per-request events', async () => {
    const key = s.admin.secret;
    const mine = await s.world.startGateway({ USAGE_REPORT_INTERVAL_MS: '100' });
    for (let i = 0; i < 3; i++) await http(mine.url, '/v1/me', { key });
    await http(mine.url, '/v1/keys/key_unknown00000000000000', { key });
    await http(mine.url, '/v1/me'); // unauthenticated: not counted
    const tallies = await waitFor(
      async () => {
        const all = (await readTallies(s.world)).filter((t) => t.key_id === s.admin.key.id);
        return requestsOf(all) >= 4 ? all : null;
      },
      { message: 'four requests reported' },
    );
    expect(requestsOf(tallies)).toBe(4);
    const me = tallies.filter((t) => t.route === '/v1/me');
    expect(requestsOf(me)).toBe(3);
    expect(me[0]).toMatchObject({
      key_id: s.admin.key.id,
      org_id: s.admin.key.organization_id,
      mode: 'live',
      mcp_id: null,
      client_ip: '127.0.0.1',
    });
    expect(me.reduce((n, t) => n + t.s2xx, 0)).toBe(3);
    const missing = tallies.filter((t) => t.route === '/v1/keys/:id');
    expect(missing.reduce((n, t) => n + t.s4xx, 0)).toBe(1);
    for (const t of tallies) {
      expect(t.latency_histogram.reduce((a, b) => a + b, 0)).toBe(t.requests);
      expect(Date.parse(t.last_at)).toBeGreaterThanOrEqual(Date.parse(t.first_at));
    }
    expect(JSON.stringify(tallies)).not.toContain(key);
    await mine.close();
  });

  it('sends at most EVENT_BATCH_SIZE tallies per message, each message with its own batch id', async () => {
    const small = await s.world.startGateway({ EVENT_BATCH_SIZE: '2', USAGE_REPORT_INTERVAL_MS: '5000' });
    const startedAt = new Date().toISOString();
    // Five routes: five tallies of one interval.
    const paths = ['/v1/me', '/v1/keys', '/v1/mcps', '/v1/webhooks', '/v1/alerts'];
    for (const path of paths) await http(small.url, path, { key: s.admin.secret });
    expect(small.runtime.publisher.depth).toBe(paths.length);
    // Nothing sent before the interval ends (or a flush, as at shutdown).
    expect(await small.runtime.publisher.flush(5_000)).toBe(true);
    const messages = await waitFor(
      async () => {
        const mine = (await readMessages(s.world)).filter((m) =>
          m.tallies.some((t) => t.key_id === s.admin.key.id && t.first_at >= startedAt),
        );
        return requestsOf(mine.flatMap((m) => m.tallies.filter((t) => t.first_at >= startedAt))) >=
          paths.length
          ? mine
          : null;
      },
      { message: 'the five tallies in the stream' },
    );
    const fresh = messages.filter((m) => m.tallies.every((t) => t.first_at >= startedAt));
    expect(fresh.map((m) => m.tallies.length).sort()).toEqual([1, 2, 2]);
    expect(new Set(fresh.map((m) => m.msgId)).size).toBe(3);
    await small.close();
  });

  it('holds usage while NATS is away and delivers it exactly once when it returns', async () => {
    // The key cached while NATS is up, then everything reported.
    expect((await http(s.gateway.url, '/v1/me', { key: s.admin.secret })).status).toBe(200);
    await s.gateway.runtime.publisher.flush(5_000);
    // Stop the broker (keeping its JetStream store), make requests with the cached key, restart it.
    await new Promise<void>((resolve) => {
      s.world.nats.process.once('exit', () => resolve());
      s.world.nats.process.kill('SIGTERM');
    });
    await waitFor(() => !s.gateway.runtime.lifecycle.connected, { message: 'gateway seeing NATS down' });
    const before = Date.now();
    for (let i = 0; i < 20; i++) {
      const res = await http(s.gateway.url, '/v1/me', { key: s.admin.secret });
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
    // The JetStream API may need a moment after a restart; poll (readTallies throws until then).
    const isOutage = (t: RequestTally) => Date.parse(t.first_at) >= before - 1 && t.route === '/v1/me';
    const delivered = await waitFor(
      async () => {
        const tallies = (await readTallies(s.world)).filter(isOutage);
        return requestsOf(tallies) >= 20 ? tallies : null;
      },
      { timeoutMs: 20_000, message: 'the 20 buffered requests in the stream' },
    );
    expect(requestsOf(delivered)).toBe(20);
    // Folded: a tally per minute at most, not one message per request.
    expect(delivered.length).toBeLessThanOrEqual(2);
    const dropped = await s.gateway.runtime.metrics.eventsDropped.get();
    expect(dropped.values[0]?.value ?? 0).toBe(0);
  });
});
