import { randomUUID } from 'node:crypto';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  type Actor,
  type CreatedWebhook,
  IdPrefix,
  UsageSubjects,
  alertPageSchema,
  createdWebhookSchema,
  MCP_ENDPOINT_ROUTE,
  type RequestRecordedEvent,
  type RequestTally,
  Subjects,
  type UsageReply,
  newId,
  usageReplySchema,
} from '@plexmcp/contracts';
import { NatsRpcClient } from '@plexmcp/service-kit';
import type { z } from 'zod';
import {
  type IsolatedNats,
  createTestSchema,
  serviceTestOptions,
  startIsolatedNats,
} from '@plexmcp/service-kit/testing';
import { type BootstrapOverrides, type UsageServiceHandle, bootstrap } from '../../src/index.js';
import { tallyOf } from '../../src/ingest/usage-aggregator.js';

export const GERMAN_IP = '193.99.144.80';
export const US_IP = '8.8.8.8';

export function requestEvent(
  overrides: Partial<RequestRecordedEvent> & Pick<RequestRecordedEvent, 'key_id' | 'org_id'>,
): RequestRecordedEvent {
  return {
    type: 'request.recorded',
    event_id: `evt_${randomUUID().replaceAll('-', '')}`,
    mcp_id: null,
    mode: 'live',
    method: 'POST',
    route: MCP_ENDPOINT_ROUTE,
    status: 200,
    latency_ms: 12,
    client_ip: US_IP,
    user_agent: 'test',
    occurred_at: new Date().toISOString(),
    ...overrides,
  };
}

export const newOrgId = () => newId(IdPrefix.Organization);
export const newKeyId = () => newId(IdPrefix.Key);
export const newMcpId = () => newId(IdPrefix.Mcp);

/** The counters and first time of a tally, kept when a newer request brings its settings. */
const counts = (t: RequestTally) => ({
  first_at: t.first_at,
  requests: t.requests,
  s2xx: t.s2xx,
  s3xx: t.s3xx,
  s4xx: t.s4xx,
  s5xx: t.s5xx,
  latency_ms_sum: t.latency_ms_sum,
  latency_histogram: t.latency_histogram,
});

/** Publishes request events as the gateway does (older gateways: one message per event). */
export class EventPublisher {
  private constructor(
    readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
  ) {}

  static async connect(url: string): Promise<EventPublisher> {
    const nc = await connect({ servers: url });
    return new EventPublisher(nc, jetstream(nc));
  }

  async publish(events: RequestRecordedEvent[], options: { withMsgId?: boolean } = {}): Promise<void> {
    const withMsgId = options.withMsgId ?? true;
    const inflight: Promise<unknown>[] = [];
    for (const e of events) {
      inflight.push(
        this.js.publish(
          Subjects.usageRequests.recorded,
          JSON.stringify(e),
          withMsgId ? { msgID: e.event_id } : {},
        ),
      );
      if (inflight.length >= 500) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
  }

  /** What the gateway does now: `request.batch` messages of up to `size` events, batch id as msgID. */
  async publishBatches(
    events: RequestRecordedEvent[],
    size: number,
    batchIdPrefix: string = randomUUID(),
  ): Promise<void> {
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < events.length; i += size) {
      const batchId = `${batchIdPrefix}-${i / size}`;
      const batch = { type: 'request.batch', batch_id: batchId, events: events.slice(i, i + size) };
      inflight.push(
        this.js.publish(Subjects.usageRequests.recorded, JSON.stringify(batch), { msgID: batchId }),
      );
    }
    await Promise.all(inflight);
  }

  /**
   * What the gateway sends: the requests folded into tallies per key, minute, MCP, route, client
   * address and error code, in ONE `request.tally` report with `batchId` as msgID (`withMsgId`
   * false: the stream stores a re-sent report again, and the usage-service must drop it).
   */
  async publishTallies(
    events: RequestRecordedEvent[],
    batchId: string,
    options: { withMsgId?: boolean } = {},
  ): Promise<void> {
    const tallies = new Map<string, RequestTally>();
    for (const e of events) {
      const at = Date.parse(e.occurred_at);
      // A key has one mode; the mode is in the id only because these test events vary it.
      const id = [
        e.key_id,
        e.mode,
        Math.floor(at / 60_000),
        e.mcp_id,
        e.route,
        e.client_ip,
        e.error_code,
        JSON.stringify(e.tool ?? null),
      ].join(' ');
      const one = tallyOf(e);
      const t = tallies.get(id);
      if (t === undefined) {
        tallies.set(id, one);
        continue;
      }
      t.requests += 1;
      t.s2xx += one.s2xx;
      t.s3xx += one.s3xx;
      t.s4xx += one.s4xx;
      t.s5xx += one.s5xx;
      t.latency_ms_sum += e.latency_ms;
      one.latency_histogram.forEach((n, i) => (t.latency_histogram[i]! += n));
      if (e.occurred_at < t.first_at) t.first_at = e.occurred_at;
      if (e.occurred_at >= t.last_at) Object.assign(t, { ...one, ...counts(t), last_at: e.occurred_at });
    }
    const report = { type: 'request.tally', batch_id: batchId, tallies: [...tallies.values()] };
    const withMsgId = options.withMsgId ?? true;
    await this.js.publish(
      Subjects.usageRequests.recorded,
      JSON.stringify(report),
      withMsgId ? { msgID: batchId } : {},
    );
  }

  rpc(timeoutMs = 5_000): NatsRpcClient {
    return new NatsRpcClient(this.nc, timeoutMs);
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/** A webhook endpoint of `actor`'s organization, as the gateway registers one; the answer holds its secret once. */
export function createWebhook(
  rpc: NatsRpcClient,
  actor: Actor,
  body: { url: string; events?: string[] },
): Promise<CreatedWebhook> {
  return rpc.call(UsageSubjects.webhooks.create, { actor, body }, createdWebhookSchema);
}

/** One page of the alerts `actor` may see, filtered by `query` (`limit`, `key_id`, `type`, `status`). */
export function listAlerts(
  rpc: NatsRpcClient,
  actor: Actor,
  query: Record<string, unknown>,
): Promise<z.infer<typeof alertPageSchema>> {
  return rpc.call(UsageSubjects.alerts.list, { actor, query }, alertPageSchema);
}

export async function queryUsage(
  rpc: NatsRpcClient,
  orgId: string,
  options: {
    keyId?: string;
    granularity?: 'minute' | 'hour' | 'day';
    breakdown?: ('mcp' | 'status_class' | 'country' | 'tool')[];
  } = {},
): Promise<UsageReply> {
  const now = Date.now();
  return rpc.call(
    Subjects.usage.query,
    {
      actor: { org_id: orgId, key_id: null, ip: null },
      key_id: options.keyId ?? null,
      from: new Date(now - 86_400_000).toISOString(),
      to: new Date(now + 3_600_000).toISOString(),
      granularity: options.granularity ?? 'hour',
      breakdown: options.breakdown ?? [],
      mcp_id: null,
    },
    usageReplySchema,
  );
}

/**
 * One suite's usage-service bed: a private nats-server and Postgres schema, an EventPublisher (the
 * gateway's side) with its RPC client, and `start()`, which boots the real service on them through
 * bootstrap() (quiet logs unless `overrides` say otherwise; the suite closes what it started).
 */
export interface UsageBed {
  nats: IsolatedNats;
  schema: string;
  publisher: EventPublisher;
  rpc: NatsRpcClient;
  start(overrides?: BootstrapOverrides): Promise<UsageServiceHandle>;
  close(): Promise<void>;
}

export async function startUsageBed(name: string): Promise<UsageBed> {
  const nats = await startIsolatedNats();
  const schema = await createTestSchema(name);
  const publisher = await EventPublisher.connect(nats.url);
  return {
    nats,
    schema: schema.schema,
    publisher,
    rpc: publisher.rpc(),
    start: (overrides = {}) => bootstrap({ ...serviceTestOptions(nats.url, schema.schema), ...overrides }),
    async close() {
      await publisher.close();
      await nats.stop();
      await schema.drop();
    },
  };
}
