import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  RateLimitError,
  ServiceUnavailableError,
  UsageLimitExceededError,
  errorFromResponse,
  retryAfterMs,
} from './errors.js';

export type Query = Record<string, string | number | boolean | undefined | null>;

/** What every call of the client takes, last: how long it may take and how to cancel it. */
export interface CallOptions {
  /**
   * Cancels the call — the request in flight and any wait before a retry; it then rejects with
   * `APIUserAbortError` (the signal's reason as `cause`). `AbortSignal.timeout(ms)` bounds a whole
   * call, retries included.
   */
  signal?: AbortSignal | undefined;
  /** Timeout of each attempt of this call, over the client's `timeoutMs`. */
  timeoutMs?: number | undefined;
  /** Retries of this call, over the client's `maxRetries` (idempotent requests only). */
  maxRetries?: number | undefined;
}

export interface RequestOptions extends CallOptions {
  query?: Query;
  body?: unknown;
}

export interface HttpSettings {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  /** The longest `Retry-After` worth waiting for; a longer one fails the call at once. */
  maxRetryAfterMs: number;
  fetch: typeof fetch;
  userAgent: string;
}

export interface Envelope<T> {
  success: true;
  data: T;
  pagination?: { next_cursor: string | null };
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Failures worth another attempt: a rate limit (the gateway said when), a dependency briefly away,
 * no answer at all. Not a usage limit: the period's budget is spent until it resets or is raised,
 * so retrying cannot succeed (and its Retry-After may be weeks).
 */
function retryable(error: unknown): boolean {
  if (error instanceof UsageLimitExceededError) return false;
  return (
    error instanceof RateLimitError ||
    error instanceof ServiceUnavailableError ||
    error instanceof APIConnectionError
  );
}

/** How long to wait before attempt `attempt + 1`: the server's Retry-After, else jittered backoff. */
function backoffMs(attempt: number, error: unknown): number {
  const retryAfter = error instanceof APIError ? retryAfterMs(error.headers) : undefined;
  if (retryAfter !== undefined) return retryAfter;
  const base = Math.min(500 * 2 ** attempt, 8_000);
  return base / 2 + Math.random() * (base / 2);
}

/** `ms` of quiet, cut short (rejecting) when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new APIUserAbortError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new APIUserAbortError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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
        if (attempt >= maxRetries || !retryable(error)) throw error;
        const waitMs = backoffMs(attempt, error);
        // Asked to wait longer than we would: fail now rather than retry too early.
        if (waitMs > this.settings.maxRetryAfterMs) throw error;
        await sleep(waitMs, options.signal);
      }
    }
  }

  /** A fetch for other transports (the MCP client): the key, the timeout, and typed errors. */
  fetchWithErrors(options: CallOptions = {}): typeof fetch {
    return async (input, init) => {
      const signals = [init?.signal, options.signal].filter((s): s is AbortSignal => !!s);
      let response: Response;
      try {
        response = await this.settings.fetch(input, {
          ...init,
          signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
        });
      } catch (error) {
        if (options.signal?.aborted) throw new APIUserAbortError(options.signal.reason);
        throw error;
      }
      // Only the POSTs that carry messages: the SDK handles what its GET stream and DELETE answer.
      if (response.status < 400 || init?.method !== 'POST') return response;
      const text = await response.text().catch(() => '');
      throw errorFromResponse(response.status, parseJson(text), response.headers);
    };
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
    if (options.signal?.aborted) throw new APIUserAbortError(options.signal.reason);
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await this.settings.fetch(this.url(path, options.query), { method, headers, body, signal });
      // The body too is read under the timeout and the caller's signal.
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw new APIUserAbortError(options.signal.reason);
      if (timeout.aborted) throw new APITimeoutError(`Request timed out after ${timeoutMs} ms`);
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      throw new APIConnectionError(
        `Could not reach PlexMCP at ${new URL(this.settings.baseUrl).origin}${reason ? `: ${reason}` : ''}`,
      );
    }
    const parsed = parseJson(text);
    if (!response.ok) throw errorFromResponse(response.status, parsed, response.headers);
    if (!parsed || typeof parsed !== 'object' || (parsed as { success?: unknown }).success !== true) {
      throw new APIError(response.status, { message: 'Unexpected response shape' }, response.headers);
    }
    return parsed as Envelope<T>;
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
