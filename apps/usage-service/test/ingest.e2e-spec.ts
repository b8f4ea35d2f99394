import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { MCP_ENDPOINT_ROUTE, Subjects, USAGE_CONSUMER, USAGE_STREAM } from '@plexmcp/contracts';
import { testDatabaseUrl, testEncryptionKeys, waitFor } from '@plexmcp/service-kit/testing';
import { Tables, TransactionRunner } from '@plexmcp/service-kit';
import { createUsageDataSource } from '../src/database/data-source.js';
import type { UsageServiceHandle } from '../src/index.js';
import { UsageRepository } from '../src/usage/usage.repository.js';
import { tallyOf } from '../src/ingest/usage-aggregator.js';
import {
  type EventPublisher,
  GERMAN_IP,
  newKeyId,
  newMcpId,
  newOrgId,
  queryUsage,
  requestEvent,
  type UsageBed,
  startUsageBed,
} from './support/fixtures.js';

const appDir = path.resolve(import.meta.dirname, '..');

describe('usage ingest counts every request exactly once', () => {
  let bed: UsageBed;
  let service: UsageServiceHandle | null = null;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    bed = await startUsageBed('usage_ingest');
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await service?.close();
    await bed?.close();
  });

  const start = () =>
    bed.start({
      logLevel: 'warn',
      env: { INGEST_ACK_WAIT_MS: '2000' },
    });

  it('counts live and test traffic once each, even when events are published twice', async () => {
    service = await start();
    const org = newOrgId();
    const live = newKeyId();
    const test = newKeyId();
    const mcp = newMcpId();
    const events = [
      ...Array.from({ length: 1200 }, (_, i) =>
        requestEvent({
          org_id: org,
          key_id: live,
          mcp_id: mcp,
          status: i % 10 === 0 ? 502 : 200,
          latency_ms: 5 + (i % 50),
        }),
      ),
      ...Array.from({ length: 300 }, () =>
        requestEvent({ org_id: org, key_id: test, mode: 'test', status: 404, client_ip: GERMAN_IP }),
      ),
    ];
    await bed.publisher.publish(events);
    // The same events again: once with the same msgID (JetStream drops them), once without (the
    // stream stores them again, as after a publisher restart outside the duplicate window).
    await bed.publisher.publish(events.slice(0, 400));
    await bed.publisher.publish(events.slice(200, 700), { withMsgId: false });

    const rpc = bed.publisher.rpc();
    const usage = await waitFor(
      async () => {
        const u = await queryUsage(rpc, org, { breakdown: ['mcp', 'status_class', 'country'] });
        return u.total_requests >= 1500 && (await consumerIdle(bed.publisher)) ? u : null;
      },
      { timeoutMs: 20_000, message: '1500 events counted' },
    );
    expect(usage.total_requests).toBe(1500);
    expect(usage.billable_requests).toBe(1200);
    expect(usage.errors).toEqual({ '4xx': 300, '5xx': 120 });
    expect(usage.by_status_class).toEqual({ '2xx': 1080, '3xx': 0, '4xx': 300, '5xx': 120 });
    expect(usage.by_mcp).toEqual(
      expect.arrayContaining([
        { mcp_id: mcp, requests: 1200 },
        { mcp_id: null, requests: 300 },
      ]),
    );
    expect(usage.by_country).toEqual(
      expect.arrayContaining([
        { country: 'US', requests: 1200 },
        { country: 'DE', requests: 300 },
      ]),
    );
    expect(usage.series.reduce((n, s) => n + s.requests, 0)).toBe(1500);
    expect(usage.latency_ms.p50).toBeGreaterThan(5);
    expect(usage.latency_ms.p99).toBeLessThan(80);

    const testOnly = await queryUsage(rpc, org, { keyId: test, granularity: 'minute' });
    expect(testOnly.total_requests).toBe(300);
    expect(testOnly.billable_requests).toBe(0);
    // Another organization sees nothing of it.
    expect((await queryUsage(rpc, newOrgId(), { keyId: live })).total_requests).toBe(0);

    // The ops port reports the same: every event counted once, the re-published ones dropped.
    const metrics = await (await fetch(`http://127.0.0.1:${service.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/^plexmcp_usage_events_ingested_total 1500$/m);
    expect(metrics).toMatch(/^plexmcp_usage_events_duplicate_total 500$/m);
    expect(metrics).toMatch(
      /^rpc_server_duration_seconds_count\{subject="usage\.query",outcome="ok"\} [1-9]/m,
    );
    expect(metrics).toMatch(/^process_cpu_seconds_total\{service="usage-service"\} /m);
    const ready = await fetch(`http://127.0.0.1:${service.opsPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      checks: { database: true, nats: true, ingest: true },
    });

    await service.close();
    service = null;
  });

  it('counts every event of gateway batch messages once, whatever the batching and re-publishing', async () => {
    service = await start();
    const org = newOrgId();
    const key = newKeyId();
    const events = Array.from({ length: 2_500 }, (_, i) =>
      requestEvent({ org_id: org, key_id: key, status: i % 5 === 0 ? 500 : 200 }),
    );
    // As the gateway sends them: batches of 200 (more than one ingest batch of 2000 events in all).
    await bed.publisher.publishBatches(events, 200, 'first');
    // A batch re-sent with the same id (lost acknowledgement): JetStream drops it.
    await bed.publisher.publishBatches(events.slice(0, 200), 200, 'first');
    // The same events re-batched under new ids, and some as single messages (an older gateway):
    // the stream stores them, the usage-service drops them on event_id.
    await bed.publisher.publishBatches(events.slice(100, 1_100), 1_000, 'second');
    await bed.publisher.publish(events.slice(2_400));
    // A batch that is not valid is terminated without holding back the others; an invalid event
    // inside a sound batch is dropped alone.
    bed.publisher.nc.publish(
      Subjects.usageRequests.recorded,
      JSON.stringify({ type: 'request.batch', batch_id: 'empty', events: [] }),
    );
    const mixed = [
      requestEvent({ org_id: org, key_id: key }),
      { ...requestEvent({ org_id: org, key_id: key }), status: 42 },
      requestEvent({ org_id: org, key_id: key }),
    ];
    bed.publisher.nc.publish(
      Subjects.usageRequests.recorded,
      JSON.stringify({ type: 'request.batch', batch_id: 'mixed', events: mixed }),
    );
    await bed.publisher.nc.flush();

    const rpc = bed.publisher.rpc();
    const usage = await waitFor(
      async () => {
        const u = await queryUsage(rpc, org);
        return u.total_requests >= 2_502 && (await consumerIdle(bed.publisher)) ? u : null;
      },
      { timeoutMs: 20_000, message: '2502 events counted' },
    );
    expect(usage.total_requests).toBe(2_502);
    expect(usage.errors).toEqual({ '4xx': 0, '5xx': 500 });

    await service.close();
    service = null;
  });

  it('answers usage from one snapshot: totals and breakdowns agree while batches commit', async () => {
    service = await start();
    const org = newOrgId();
    const key = newKeyId();
    const mcp = newMcpId();
    // Every event names the MCP and a tool: in any consistent answer the breakdowns add up to the total.
    const events = Array.from({ length: 6_000 }, () =>
      requestEvent({ org_id: org, key_id: key, mcp_id: mcp, route: MCP_ENDPOINT_ROUTE, tool: 'search' }),
    );
    const rpc = bed.publisher.rpc();
    const torn: string[] = [];
    let answers = 0;
    let publishing = true;
    const reader = (async () => {
      while (publishing || answers < 5) {
        const u = await queryUsage(rpc, org, { breakdown: ['mcp', 'tool'] });
        answers += 1;
        const byMcp = (u.by_mcp ?? []).reduce((n, r) => n + r.requests, 0);
        const byTool = (u.by_tool ?? []).reduce((n, r) => n + r.requests, 0);
        if (byMcp !== u.total_requests || byTool !== u.total_requests)
          torn.push(`total ${u.total_requests}, by MCP ${byMcp}, by tool ${byTool}`);
      }
    })();
    // Small batches, one after another: many commits while the reader asks.
    for (let i = 0; i < events.length; i += 100) {
      await bed.publisher.publishBatches(events.slice(i, i + 100), 100);
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(async () => (await queryUsage(rpc, org)).total_requests >= 6_000, {
      timeoutMs: 20_000,
      message: '6000 events counted',
    });
    publishing = false;
    await reader;
    expect(torn).toEqual([]);
    expect(answers).toBeGreaterThan(20);
    await service.close();
    service = null;
  });

  it("counts the gateway's tally reports exactly as the same requests sent one event each, a report id once, per tool too", async () => {
    service = await start();
    const [eventsOrg, talliesOrg] = [newOrgId(), newOrgId()];
    const [eventsKey, talliesKey] = [newKeyId(), newKeyId()];
    const mcp = newMcpId();
    const minuteAgo = new Date(Date.now() - 60_000).toISOString();
    // MCP calls name a tool (some none, some the empty name); some `delete` calls are refused by
    // the key's tool list (`forbidden`, denied).
    const toolOf = (i: number) => [undefined, 'search', 'fetch', 'delete', ''][i % 5];
    const requests = Array.from({ length: 1_200 }, (_, i) => {
      const tool = i % 3 === 0 ? undefined : toolOf(i);
      const forbidden = tool === 'delete' && i % 2 === 0;
      return {
        mcp_id: i % 3 === 0 ? null : mcp,
        route: i % 3 === 0 ? '/v1/me' : MCP_ENDPOINT_ROUTE,
        status: forbidden ? 200 : [200, 200, 201, 302, 404, 500, 503][i % 7]!,
        latency_ms: (i % 50) * 0.731,
        client_ip: i % 4 === 0 ? GERMAN_IP : '8.8.8.8',
        mode: i % 10 === 0 ? ('test' as const) : ('live' as const),
        error_code: forbidden ? ('forbidden' as const) : i % 11 === 0 ? ('rate_limited' as const) : null,
        occurred_at: i < 300 ? minuteAgo : new Date().toISOString(),
        ...(tool === undefined ? {} : { tool }),
      };
    });
    // What usage by tool must answer, counted here request by request.
    const expectedByTool = new Map<
      string,
      { mcp_id: string; tool: string; requests: number; denied: number; errors: number }
    >();
    for (const r of requests) {
      if (r.tool === undefined || r.mcp_id === null) continue;
      const row = expectedByTool.get(r.tool) ?? {
        mcp_id: r.mcp_id,
        tool: r.tool,
        requests: 0,
        denied: 0,
        errors: 0,
      };
      row.requests += 1;
      if (r.error_code === 'forbidden') row.denied += 1;
      if (r.status >= 400) row.errors += 1;
      expectedByTool.set(r.tool, row);
    }
    const asEvents = requests.map((r) => requestEvent({ ...r, org_id: eventsOrg, key_id: eventsKey }));
    const asTallies = requests.map((r) => requestEvent({ ...r, org_id: talliesOrg, key_id: talliesKey }));
    await bed.publisher.publishBatches(asEvents, 200);
    await bed.publisher.publishTallies(asTallies.slice(0, 700), 'report-1');
    await bed.publisher.publishTallies(asTallies.slice(700), 'report-2');
    // A report re-sent after a lost acknowledgement: JetStream drops one copy (same msgID), the
    // usage-service the other (stored again, as outside the stream's duplicate window).
    await bed.publisher.publishTallies(asTallies.slice(0, 700), 'report-1');
    await bed.publisher.publishTallies(asTallies.slice(0, 700), 'report-1', { withMsgId: false });
    // A report whose histogram does not count its requests is refused as a whole.
    const bad = { ...tallyOf(asTallies[0]!), requests: 2 };
    bed.publisher.nc.publish(
      Subjects.usageRequests.recorded,
      JSON.stringify({ type: 'request.tally', batch_id: 'bad', tallies: [bad] }),
    );
    await bed.publisher.nc.flush();

    const rpc = bed.publisher.rpc();
    const query = (org: string) =>
      queryUsage(rpc, org, { breakdown: ['status_class', 'country', 'mcp', 'tool'] });
    const [fromEvents, fromTallies] = await waitFor(
      async () => {
        const [e, t] = [await query(eventsOrg), await query(talliesOrg)];
        const done = e.total_requests >= 1_200 && t.total_requests >= 1_200;
        return done && (await consumerIdle(bed.publisher)) ? [e, t] : null;
      },
      { timeoutMs: 20_000, message: '1200 requests counted twice over' },
    );
    expect(fromTallies.total_requests).toBe(1_200);
    const { series: eventSeries, from: _f1, to: _t1, ...eventTotals } = fromEvents;
    const { series: tallySeries, from: _f2, to: _t2, ...tallyTotals } = fromTallies;
    expect(tallyTotals).toEqual(eventTotals);
    expect(tallySeries.length).toBeGreaterThan(0);
    expect(tallySeries).toEqual(eventSeries);
    // Per tool: exact, and the re-sent report counted once in the tool table too.
    const byTool = (rows: typeof fromTallies.by_tool) =>
      [...(rows ?? [])].sort((a, b) => a.tool.localeCompare(b.tool));
    expect(byTool(fromTallies.by_tool)).toEqual(byTool([...expectedByTool.values()]));
    expect(expectedByTool.get('delete')!.denied).toBeGreaterThan(0);
    expect(byTool(fromEvents.by_tool)).toEqual(byTool(fromTallies.by_tool));

    const metrics = await (await fetch(`http://127.0.0.1:${service.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/^plexmcp_usage_events_invalid_total [1-9]/m);
    await service.close();
    service = null;
  });

  it('loses and double-counts nothing when the service is SIGKILLed mid-stream and restarted', async () => {
    const org = newOrgId();
    const keys = Array.from({ length: 20 }, () => newKeyId());
    const total = 30_000;
    const events = Array.from({ length: total }, (_, i) =>
      requestEvent({ org_id: org, key_id: keys[i % keys.length]! }),
    );
    await bed.publisher.publish(events);

    child = spawn(process.execPath, ['--import', './test/support/register-ts.mjs', 'src/main.ts'], {
      cwd: appDir,
      stdio: 'ignore',
      env: {
        ...process.env,
        NATS_URL: bed.nats.url,
        USAGE_SERVICE_DATABASE_URL: testDatabaseUrl(),
        USAGE_SERVICE_DB_SCHEMA: bed.schema,
        PLEXMCP_ENCRYPTION_KEYS: testEncryptionKeys(),
        LOG_LEVEL: 'warn',
        INGEST_BATCH_SIZE: '500',
        INGEST_ACK_WAIT_MS: '2000',
      },
    });
    const rpc = bed.publisher.rpc();
    const partial = await waitFor(
      async () => {
        const n = (await queryUsage(rpc, org)).total_requests;
        return n > 0 ? n : null;
      },
      { timeoutMs: 30_000, intervalMs: 5, message: 'the child to count something' },
    );
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    child = null;
    expect(partial).toBeLessThan(total);

    service = await start();
    await waitFor(
      async () =>
        (await queryUsage(rpc, org)).total_requests === total && (await consumerIdle(bed.publisher)),
      {
        timeoutMs: 60_000,
        intervalMs: 100,
        message: `${total} events after the restart`,
      },
    );
    expect((await queryUsage(rpc, org)).total_requests).toBe(total);
  }, 120_000);

  it('answers the same by minute, hour and day before and after minutes are rolled up, late events included', async () => {
    service ??= await start();
    const org = newOrgId();
    const key = newKeyId();
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
    await bed.publisher.publish([
      ...Array.from({ length: 50 }, () =>
        requestEvent({ org_id: org, key_id: key, occurred_at: twoHoursAgo, status: 500 }),
      ),
      ...Array.from({ length: 70 }, () => requestEvent({ org_id: org, key_id: key })),
    ]);
    const rpc = bed.publisher.rpc();
    await waitFor(async () => (await queryUsage(rpc, org)).total_requests === 120, { message: '120 events' });
    const totals = async () =>
      Promise.all(
        (['minute', 'hour', 'day'] as const).map(async (granularity) => {
          const u = await queryUsage(rpc, org, { granularity });
          return [u.total_requests, u.errors['5xx'], u.series.reduce((n, b) => n + b.requests, 0)];
        }),
      );
    expect(await totals()).toEqual([
      [120, 50, 120],
      [120, 50, 120],
      [120, 50, 120],
    ]);

    // Roll every minute up to two minutes from now; events for those minutes are then "late".
    const dataSource = await createUsageDataSource({
      url: testDatabaseUrl(),
      schema: bed.schema,
      poolSize: 1,
    }).initialize();
    try {
      const until = Date.now() + 120_000;
      expect(
        await new UsageRepository(new Tables(dataSource), new TransactionRunner(dataSource)).rollup(until),
      ).toBe(until);
    } finally {
      await dataSource.destroy();
    }
    expect(await totals()).toEqual([
      [120, 50, 120],
      [120, 50, 120],
      [120, 50, 120],
    ]);
    await bed.publisher.publish(Array.from({ length: 30 }, () => requestEvent({ org_id: org, key_id: key })));
    await waitFor(async () => (await queryUsage(rpc, org, { granularity: 'minute' })).total_requests === 150);
    expect(await totals()).toEqual([
      [150, 50, 150],
      [150, 50, 150],
      [150, 50, 150],
    ]);
  });
});

/** Nothing left to deliver or awaiting acknowledgement on the durable consumer. */
async function consumerIdle(publisher: EventPublisher): Promise<boolean> {
  const jsm = await jetstreamManager(publisher.nc);
  const info = await jsm.consumers.info(USAGE_STREAM, USAGE_CONSUMER);
  return info.num_pending === 0 && info.num_ack_pending === 0;
}
