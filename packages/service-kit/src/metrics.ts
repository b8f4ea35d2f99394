import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets (seconds) shared by the HTTP and RPC duration histograms: 0.5 ms to 10 s. */
export const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * A service's Prometheus registry, with Node's default metrics under their standard names
 * (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`, …) labelled `service=<name>`, so
 * one dashboard query compares the processes. One registry per service instance (tests run
 * several in one process): nothing goes to prom-client's global registry.
 */
export function createServiceRegistry(service: string): Registry {
  const registry = new Registry();
  collectServiceDefaultMetrics(registry, service);
  return registry;
}

/** Adds Node's default metrics, standard names, labelled `service=<name>`, to `registry`. */
export function collectServiceDefaultMetrics(registry: Registry, service: string): void {
  collectDefaultMetrics({ register: registry, labels: { service } });
}

/**
 * A counter that mirrors a running total kept elsewhere (e.g. a consumer's own stats), read when
 * Prometheus scrapes rather than incremented on the hot path.
 */
export function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  const counter: Counter = new Counter({
    name,
    help,
    registers: [registry],
    collect: () => {
      counter.reset();
      counter.inc(read());
    },
  });
  return counter;
}

/** Duration of every `@MessagePattern` handler, by subject and outcome (`ok` or the error code). */
export class RpcServerMetrics {
  readonly duration: Histogram<'subject' | 'outcome'>;
  private readonly children = new Map<string, { observe(seconds: number): void }>();

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'rpc_server_duration_seconds',
      help: 'Time to answer a NATS RPC, by subject and outcome (ok or the wire error code).',
      labelNames: ['subject', 'outcome'] as const,
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
  }

  observe(subject: string, outcome: string, seconds: number): void {
    const id = subject + ' ' + outcome;
    let child = this.children.get(id);
    if (child === undefined) {
      child = this.duration.labels(subject, outcome);
      this.children.set(id, child);
    }
    child.observe(seconds);
  }
}
