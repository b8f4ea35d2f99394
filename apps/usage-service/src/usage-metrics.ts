import {
  Counter,
  type Registry,
  RpcServerMetrics,
  createServiceRegistry,
  mirroredCounter,
} from '@plexmcp/service-kit';
import type { IngestStats } from './ingest/ingest.consumer.js';

/** The usage-service's Prometheus metrics (served on its ops port), one registry per instance. */
export class UsageMetrics {
  readonly registry: Registry = createServiceRegistry('usage-service');
  readonly rpc = new RpcServerMetrics(this.registry);

  readonly webhookDeliveries = new Counter({
    name: 'plexmcp_usage_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (succeeded, retry, failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly alertsRaised = new Counter({
    name: 'plexmcp_usage_alerts_raised_total',
    help: 'Alerts raised, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  /** The ingest counters, read from the consumer's running totals when Prometheus scrapes. */
  observeIngest(stats: IngestStats): void {
    mirroredCounter(
      this.registry,
      'plexmcp_usage_events_ingested_total',
      'Requests counted into the usage aggregates (from gateway tallies or single events).',
      () => stats.counted,
    );
    mirroredCounter(
      this.registry,
      'plexmcp_usage_events_duplicate_total',
      'Usage reports or events dropped as already counted (redelivered or published twice).',
      () => stats.duplicates,
    );
    mirroredCounter(
      this.registry,
      'plexmcp_usage_events_invalid_total',
      'Request events dropped because they did not match the event schema.',
      () => stats.invalid,
    );
  }
}
