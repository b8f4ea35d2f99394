import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { BufferedHistogram } from './buffered-histogram.js';

const BOUNDS = [0.001, 0.01, 0.1, 1];
const OBSERVED: [string, string, number][] = [
  ['/v1/me', 'GET', 0.0004],
  ['/v1/me', 'GET', 0.001], // on a bound: counted in that bucket (le is "less or equal")
  ['/v1/me', 'GET', 0.05],
  ['/v1/me', 'GET', 7], // above every bound: +Inf only
  ['/v1/keys', 'POST', 0.02],
  ['/v1/keys', 'POST', 0.0099],
];

/** The same observations through prom-client's Histogram and through BufferedHistogram. */
async function exposition(): Promise<{ reference: string; buffered: string }> {
  const a = new Registry();
  const reference = new Histogram({
    name: 'd_seconds',
    help: 'Durations.',
    labelNames: ['route', 'method'] as const,
    buckets: BOUNDS,
    registers: [a],
  });
  const b = new Registry();
  const buffered = new BufferedHistogram('d_seconds', 'Durations.', ['route', 'method'] as const, BOUNDS, b);
  for (const [route, method, seconds] of OBSERVED) {
    reference.labels(route, method).observe(seconds);
    buffered.labels(route, method).observe(seconds);
  }
  return { reference: await a.metrics(), buffered: await b.metrics() };
}

describe('BufferedHistogram', () => {
  it('renders exactly what prom-client’s Histogram renders for the same observations', async () => {
    const { reference, buffered } = await exposition();
    expect(buffered).toBe(reference);
    expect(buffered).toContain('d_seconds_bucket{le="0.001",route="/v1/me",method="GET"} 2');
    expect(buffered).toContain('d_seconds_bucket{le="+Inf",route="/v1/me",method="GET"} 4');
    expect(buffered).toContain('d_seconds_count{route="/v1/keys",method="POST"} 2');
  });

  it('gives one child per label set, and the JSON form prom-client gives', async () => {
    const registry = new Registry();
    const h = new BufferedHistogram('x_seconds', 'X.', ['status_class'] as const, BOUNDS, registry);
    expect(h.labels('2xx')).toBe(h.labels('2xx'));
    h.labels('2xx').observe(0.5);
    const [json] = await registry.getMetricsAsJSON();
    expect(json).toMatchObject({ name: 'x_seconds', type: 'histogram' });
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('x_seconds_count');
  });

  it('refuses a wrong number of label values and bounds that do not increase', () => {
    const registry = new Registry();
    const h = new BufferedHistogram('y_seconds', 'Y.', ['a', 'b'] as const, BOUNDS, registry);
    expect(() => h.labels('only-one')).toThrow(/expected 2 label values/);
    expect(() => new BufferedHistogram('z', 'Z.', [], [1, 1], new Registry())).toThrow(/increase/);
  });
});
