import { DURATION_BUCKETS, collectServiceDefaultMetrics } from '@plexmcp/service-kit';
import { Counter, Gauge, Registry } from 'prom-client';
import { BufferedHistogram } from './buffered-histogram.js';

/** Something that counts by one, cheaply. */
export interface Tally {
  inc(): void;
}

/**
 * A hot-path counter: a plain number incremented per request and handed to its prom-client
 * Counter only when Prometheus scrapes (prom-client hashes and validates the labels on every
 * `inc`, several microseconds that add up at tens of thousands of requests per second).
 */
class BufferedTally implements Tally {
  private value = 0;
  private reported = 0;

  constructor(
    private readonly counter: Counter,
    private readonly labels: Record<string, string>,
  ) {}

  inc(): void {
    this.value += 1;
  }

  flush(): void {
    const delta = this.value - this.reported;
    if (delta > 0) {
      this.counter.inc(this.labels, delta);
      this.reported = this.value;
    }
  }
}

/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways may share one
 * process in tests). Label values are bounded: route patterns, never raw URLs or key material.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly tallies = new Map<Counter, Map<string, BufferedTally>>();

  readonly httpRequests = this.tallied(
    'plexmcp_gateway_http_requests_total',
    'HTTP requests answered, by route pattern, method and status.',
    ['route', 'method', 'status'] as const,
  );

  readonly authDecisions = this.tallied(
    'plexmcp_gateway_auth_decisions_total',
    'Authentication/authorization decisions, by outcome and reason.',
    ['outcome', 'reason'] as const,
  );

  /** Observed through children looked up once per label set, never with labels per request. */
  readonly httpDuration = new BufferedHistogram(
    'http_server_request_duration_seconds',
    'Time to answer an HTTP request, by route pattern, method and status class (2xx, 4xx, …).',
    ['route', 'method', 'status_class'] as const,
    DURATION_BUCKETS,
    this.registry,
  );

  readonly cacheLookups = this.tallied(
    'plexmcp_gateway_key_cache_lookups_total',
    'Key decision cache lookups, by result (hit or miss).',
    ['result'] as const,
  );

  readonly cacheEvictions = new Counter({
    name: 'plexmcp_gateway_key_cache_evictions_total',
    help: 'Key decision cache evictions, by cause (key event, org event, reconnect, disconnect).',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });

  readonly upstreamLatency = new BufferedHistogram(
    'plexmcp_gateway_upstream_response_seconds',
    'Time until an upstream MCP server answered with headers, by status class.',
    ['status_class'] as const,
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    this.registry,
  );

  /** Set by the event publisher; read when Prometheus scrapes, not on every request. */
  eventBufferDepthSource: () => number = () => 0;

  readonly eventBufferDepth = new Gauge({
    name: 'plexmcp_gateway_event_buffer_depth',
    help: 'Request events waiting to be published to JetStream (buffered or awaiting an ack).',
    registers: [this.registry],
    collect: () => {
      this.eventBufferDepth.set(this.eventBufferDepthSource());
    },
  });

  readonly eventsPublished = this.counter(
    'plexmcp_gateway_events_published_total',
    'Request events acknowledged by JetStream.',
  );

  readonly eventsDropped = this.counter(
    'plexmcp_gateway_events_dropped_total',
    'Request events dropped because the buffer was full (NATS away for too long).',
  );

  readonly eventPublishFailures = this.counter(
    'plexmcp_gateway_event_publish_failures_total',
    'Request-event batch publishes that failed and were retried.',
  );

  readonly natsConnected = this.gauge('plexmcp_gateway_nats_connected', '1 while the NATS connection is up.');

  readonly usageBlocks = this.gauge(
    'plexmcp_gateway_usage_limit_blocks',
    'Organizations and keys currently blocked by a usage limit.',
  );

  /**
   * A cheap per-request counter for one label combination of `counter` (one of httpRequests,
   * authDecisions, cacheLookups). The same labels always give the same tally.
   */
  tally(counter: Counter<string>, labels: Record<string, string>): Tally {
    let byLabels = this.tallies.get(counter);
    if (byLabels === undefined) {
      byLabels = new Map();
      this.tallies.set(counter, byLabels);
    }
    const id = JSON.stringify(labels);
    let tally = byLabels.get(id);
    if (tally === undefined) {
      tally = new BufferedTally(counter, labels);
      byLabels.set(id, tally);
    }
    return tally;
  }

  /** A counter incremented through `tally()`: its tallies are handed over when Prometheus scrapes. */
  private tallied<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    const counter: Counter<L> = new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect: (): void => this.flushTallies(counter),
    });
    return counter;
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }

  private gauge(name: string, help: string): Gauge {
    return new Gauge({ name, help, registers: [this.registry] });
  }

  private flushTallies(counter: Counter<string>): void {
    const byLabels = this.tallies.get(counter);
    if (byLabels !== undefined) for (const tally of byLabels.values()) tally.flush();
  }

  constructor(options: { collectDefaults?: boolean } = {}) {
    if (options.collectDefaults !== false) collectServiceDefaultMetrics(this.registry, 'api-gateway');
  }
}
