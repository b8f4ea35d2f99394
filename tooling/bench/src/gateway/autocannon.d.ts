/** The part of autocannon's API the benchmarks use (the package ships no types). */
declare module 'autocannon' {
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
    total: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    /** A fixed number of requests instead of a duration. */
    amount?: number;
    /** Each request in turn; `setupRequest` may rewrite it (e.g. a different key each time). */
    requests?: { setupRequest?: (request: { headers: Record<string, string> }) => unknown }[];
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
