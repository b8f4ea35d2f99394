import type { Metric, Registry } from 'prom-client';

/** One label set's observations: a count per bucket (not cumulative), their sum and count. */
class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(seconds: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    // Above the last bound: only in +Inf, which is the count.
    if (i < bounds.length) this.counts[i]! += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

/** A value in the shape prom-client's registry renders (`get()` of its own metrics). */
interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/**
 * A Prometheus histogram for the hot path. prom-client's `Histogram.observe` validates and hashes
 * the labels and finds the bucket by a number-keyed property on every call, even through a bound
 * child — about 2 µs a request. Here a child is a plain object found once per label set, and an
 * observation is a bucket scan and three additions; the registry renders the cells when
 * Prometheus scrapes, in exactly the exposition prom-client's `Histogram` gives (see its spec).
 */
export class BufferedHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly cells = new Map<string, HistogramCell>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    if (bounds.some((b, i) => i > 0 && b <= bounds[i - 1]!)) throw new Error(`${name}: bounds must increase`);
    // The registry reads name, help, type and aggregator, and calls get() and reset(): all here.
    registry.registerMetric(this as unknown as Metric<L>);
  }

  /** The child of one label set (values in `labelNames` order); look it up once, not per request. */
  labels(...values: string[]): { observe(seconds: number): void } {
    if (values.length !== this.labelNames.length)
      throw new Error(`${this.name}: expected ${this.labelNames.length} label values`);
    const id = values.join('\u0000');
    let cell = this.cells.get(id);
    if (cell === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i]!));
      cell = new HistogramCell(this.bounds, labels);
      this.cells.set(id, cell);
    }
    return cell;
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }> {
    const values: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const cell of this.cells.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += cell.counts[i]!;
        values.push({ value: cumulative, labels: { le, ...cell.labels }, metricName: bucket });
      });
      values.push(
        { value: cell.count, labels: { le: '+Inf', ...cell.labels }, metricName: bucket },
        { value: cell.sum, labels: { ...cell.labels }, metricName: `${this.name}_sum` },
        { value: cell.count, labels: { ...cell.labels }, metricName: `${this.name}_count` },
      );
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  reset(): void {
    this.cells.clear();
  }
}
