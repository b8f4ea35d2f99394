/**
 * End-to-end ingest benchmark: events published to JetStream → committed aggregates.
 *
 *   pnpm bench:usage-service          (from the repo root; builds first)
 *
 * Starts a private nats-server (JetStream) and uses its own Postgres schema (DATABASE_URL, default
 * the local test database), dropped at the end. Phase 1 drains a backlog published before the
 * service starts (peak throughput). Phase 2 publishes at a fixed rate while the service runs and
 * samples the consumer lag (messages published but not yet committed). Both phases check that the
 * counted totals are exact. BENCH_BACKLOG, BENCH_RATE and BENCH_SECONDS tune the size;
 * BENCH_EVENTS_PER_MESSAGE (default 200, as gateways batch them; 1 = one message per event) the
 * message shape. Lag is counted in messages.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import {
  IdPrefix,
  type RequestBatch,
  type RequestRecordedEvent,
  Subjects,
  USAGE_CONSUMER,
  USAGE_STREAM,
  newId,
  usageReplySchema,
} from '@plexmcp/contracts';
import { NatsRpcClient, ensureUsageStream } from '@plexmcp/service-kit';
import { bootstrap } from '@plexmcp/usage-service';
import { benchNumber, percentile, startBenchInfra } from './bench-helpers.js';

const BACKLOG = benchNumber('BENCH_BACKLOG', 200_000);
const RATE = benchNumber('BENCH_RATE', 20_000);
const SECONDS = benchNumber('BENCH_SECONDS', 15);
/** Events per JetStream message: 200 is what a busy gateway sends (`request.batch`); 1 = one each. */
const PER_MESSAGE = Math.max(1, Math.min(1_000, benchNumber('BENCH_EVENTS_PER_MESSAGE', 200)));

const IPS = ['8.8.8.8', '193.99.144.80', '212.58.244.20', '1.1.1.1', '133.11.0.1', '200.160.2.3', '41.0.0.1'];
interface Population {
  orgs: string[];
  keys: { id: string; org: string; mode: 'live' | 'test'; ip: string }[];
  mcps: string[];
}
function population(): Population {
  if (process.env.BENCH_KEYS) return JSON.parse(process.env.BENCH_KEYS) as Population;
  const orgs = Array.from({ length: 20 }, () => newId(IdPrefix.Organization));
  return {
    orgs,
    keys: Array.from({ length: 500 }, (_, i) => ({
      id: newId(IdPrefix.Key),
      org: orgs[i % orgs.length]!,
      mode: i % 5 === 0 ? ('test' as const) : ('live' as const),
      ip: IPS[i % IPS.length]!,
    })),
    mcps: Array.from({ length: 5 }, () => newId(IdPrefix.Mcp)),
  };
}
const { orgs, keys, mcps } = population();

function makeEvent(i: number): RequestRecordedEvent {
  const key = keys[i % keys.length]!;
  const r = (i * 2654435761) % 1000;
  return {
    type: 'request.recorded',
    event_id: `evt_${randomUUID().replaceAll('-', '')}`,
    key_id: key.id,
    org_id: key.org,
    mcp_id: mcps[i % mcps.length]!,
    mode: key.mode,
    method: 'POST',
    route: '/v1/mcps/:mcp_id/mcp',
    status: r < 950 ? 200 : r < 990 ? 404 : 502,
    latency_ms: 2 + (r % 200) * 0.7,
    client_ip: key.ip,
    user_agent: 'bench',
    occurred_at: new Date().toISOString(),
    usage_limit: null,
    org_monthly_limit: null,
    expires_at: null,
  };
}

/**
 * Child mode: offer RATE events/s for SECONDS, then print how long it took. Uses core-NATS publish
 * with the `Nats-Msg-Id` header (the stream still stores and de-duplicates every message) so the
 * load generator is cheap enough not to be the bottleneck on a small machine.
 */
async function publisherChild(url: string, rate: number, seconds: number, offset: number): Promise<void> {
  const nc = await connect({ servers: url });
  const start = performance.now();
  const total = rate * seconds;
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + rate / 50);
    while (sent < due) {
      const count = Math.min(PER_MESSAGE, Math.ceil(due - sent));
      const { id, payload } = message(offset + sent, count);
      sent += count;
      const h = headers();
      h.set('Nats-Msg-Id', id);
      nc.publish(Subjects.usageRequests.recorded, payload, { headers: h });
    }
    await nc.flush();
    await new Promise((r) => setTimeout(r, 10));
  }
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - start) / 1000 }));
  await nc.drain();
}

/** One message of `count` events from `first` on: a single event, or a `request.batch`. */
function message(first: number, count: number): { id: string; payload: string } {
  if (PER_MESSAGE === 1) {
    const e = makeEvent(first);
    return { id: e.event_id, payload: JSON.stringify(e) };
  }
  const events = Array.from({ length: count }, (_, i) => makeEvent(first + i));
  const batch: RequestBatch = { type: 'request.batch', batch_id: `bat_${randomUUID()}`, events };
  return { id: batch.batch_id, payload: JSON.stringify(batch) };
}

async function main(): Promise<void> {
  const infra = await startBenchInfra('bench_usage');
  const nc = await connect({ servers: infra.natsUrl });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await ensureUsageStream(jsm);
  const rpc = new NatsRpcClient(nc, 10_000);
  let published = 0;

  const publish = async (count: number) => {
    const inflight: Promise<unknown>[] = [];
    for (let i = 0; i < count; i += PER_MESSAGE) {
      const n = Math.min(PER_MESSAGE, count - i);
      const { id, payload } = message(published, n);
      published += n;
      inflight.push(js.publish(Subjects.usageRequests.recorded, payload, { msgID: id }));
      if (inflight.length * PER_MESSAGE >= 2_000) await Promise.all(inflight.splice(0));
    }
    await Promise.all(inflight);
  };
  const lag = async () => {
    const info = await jsm.consumers.info(USAGE_STREAM, USAGE_CONSUMER);
    return info.num_pending + info.num_ack_pending;
  };
  const counted = async () => {
    let total = 0;
    for (const org of orgs) {
      const reply = await rpc.call(
        Subjects.usage.query,
        {
          actor: { org_id: org, key_id: null, ip: null },
          key_id: null,
          from: new Date(Date.now() - 86_400_000).toISOString(),
          to: new Date(Date.now() + 86_400_000).toISOString(),
          granularity: 'day',
          breakdown: [],
          mcp_id: null,
        },
        usageReplySchema,
      );
      total += reply.total_requests;
    }
    return total;
  };

  console.log(`publishing a backlog of ${BACKLOG} events…`);
  await publish(BACKLOG);
  const service = await bootstrap(infra.serviceOptions);
  const t0 = performance.now();
  while ((await lag()) > 0) await new Promise((r) => setTimeout(r, 50));
  const drainSeconds = (performance.now() - t0) / 1000;
  const afterBacklog = await counted();
  console.log(
    `phase 1 backlog: ${BACKLOG} events committed in ${drainSeconds.toFixed(2)} s = ${Math.round(BACKLOG / drainSeconds)} events/s; counted ${afterBacklog} (${afterBacklog === BACKLOG ? 'exact' : 'MISMATCH'})`,
  );

  console.log(`phase 2 sustained: a separate process publishes ${RATE} events/s for ${SECONDS} s…`);
  const lags: number[] = [];
  const sampler = setInterval(() => void lag().then((l) => lags.push(l)), 250);
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), 'publish', infra.natsUrl, String(RATE), String(SECONDS)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_KEYS: JSON.stringify({ orgs, keys, mcps }) },
    },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const publishSeconds = (JSON.parse(output) as { seconds: number }).seconds;
  const tDone = performance.now();
  while ((await lag()) > 0) await new Promise((r) => setTimeout(r, 20));
  const catchUpMs = performance.now() - tDone;
  clearInterval(sampler);
  const total = await counted();
  const sustained = RATE * SECONDS;
  lags.sort((a, b) => a - b);
  const pct = (p: number) => (lags.length === 0 ? 0 : percentile(lags, p));
  console.log(
    `phase 2: offered ${Math.round(sustained / publishSeconds)} events/s for ${publishSeconds.toFixed(1)} s; ` +
      `lag (messages not yet committed) p50 ${pct(50)}, p95 ${pct(95)}, max ${lags.at(-1) ?? 0}; ` +
      `caught up ${Math.round(catchUpMs)} ms after the last publish ` +
      `(ingest ${Math.round(sustained / (publishSeconds + catchUpMs / 1000))} events/s over the phase); ` +
      `counted ${total - afterBacklog} of ${sustained} (${total - afterBacklog === sustained ? 'exact' : 'MISMATCH'})`,
  );

  await service.close();
  await nc.drain();
  await infra.stop();
  if (total !== BACKLOG + sustained) process.exitCode = 1;
}

if (process.argv[2] === 'publish') {
  await publisherChild(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]), 10_000_000);
} else {
  await main();
}
