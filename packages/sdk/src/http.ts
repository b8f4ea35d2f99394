import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  RateLimitError,
  ServiceUnavailableError,
  errorFromResponse,
} from './errors.js';

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Override the client's retry budget for this call. */
  maxRetries?: number;
  signal?: AbortSignal;
}

export interface HttpSettings {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof fetch;
  userAgent: string;
}

export interface Envelope<T> {
  success: true;
  data: T;
  pagination?: { next_cursor: string | null };
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Statuses worth retrying: the server asked us to wait, or a dependency was briefly away. */
function retryable(error: unknown): boolean {
  return (
    error instanceof RateLimitError ||
    error instanceof ServiceUnavailableError ||
    error instanceof APIConnectionError
  );
}

function backoffMs(attempt: number, error: unknown): number {
  if (error instanceof RateLimitError && error.retryAfter !== undefined) {
    return Math.min(error.retryAfter * 1000, 60_000);
  }
  const base = Math.min(500 * 2 ** attempt, 8_000);
  return base / 2 + Math.random() * (base / 2);
}

export class HttpClient {
  constructor(private readonly settings: HttpSettings) {}

  url(path: string, query?: Query): string {
    const url = new URL(this.settings.baseUrl.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    return url.toString();
  }

  get authorization(): string {
    return `Bearer ${this.settings.apiKey}`;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Envelope<T>> {
    const maxRetries = IDEMPOTENT.has(method) ? (options.maxRetries ?? this.settings.maxRetries) : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(method, path, options);
      } catch (error) {
        if (attempt >= maxRetries || !retryable(error) || options.signal?.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, error)));
      }
    }
  }

  private async once<T>(method: string, path: string, options: RequestOptions): Promise<Envelope<T>> {
    const headers: Record<string, string> = {
      authorization: this.authorization,
      accept: 'application/json',
      'user-agent': this.settings.userAgent,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await this.settings.fetch(this.url(path, options.query), { method, headers, body, signal });
    } catch (error) {
      if (timeout.aborted) throw new APITimeoutError(`Request timed out after ${this.settings.timeoutMs} ms`);
      if (options.signal?.aborted) throw error;
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      throw new APIConnectionError(
        `Could not reach PlexMCP at ${new URL(this.settings.baseUrl).origin}${reason ? `: ${reason}` : ''}`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) throw errorFromResponse(response.status, parsed, response.headers);
    if (!parsed || typeof parsed !== 'object' || (parsed as { success?: unknown }).success !== true) {
      throw new APIError(response.status, { message: 'Unexpected response shape' }, response.headers);
    }
    return parsed as Envelope<T>;
  }
}
