/** The gateway's REST API as the dashboard uses it: same origin, session cookie, CSRF header. */

export interface ErrorBody {
  code: string;
  message: string;
  request_id?: string;
  details?: { field?: string; path?: string; message: string }[];
}

/** An error envelope (or a network failure) turned into something a person can read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }

  /** e.g. `Forbidden: API key does not have permission for this resource` */
  get readable(): string {
    const title = TITLES[this.body.code] ?? 'Error';
    const details = (this.body.details ?? [])
      .filter((d) => d.message !== this.body.message)
      .map((d) => `${d.field ?? d.path ?? 'request'}: ${d.message}`)
      .join('; ');
    return `${title}: ${this.body.message}${details ? ` (${details})` : ''}`;
  }
}

/**
 * What to do about a failure, where we know it: the operator's setting an answer names, or what a
 * person can change here. Null when there is nothing better to say than the message itself.
 */
export function remedyOf(error: ApiError): string | null {
  const text = [error.body.message, ...(error.body.details ?? []).map((d) => d.message)].join(' ');
  if (text.includes('MCP_UPSTREAM_ALLOWED_NETWORKS')) {
    return "An operator can allow the upstream's network with MCP_UPSTREAM_ALLOWED_NETWORKS (comma-separated CIDRs, on the key-service and every gateway); link-local and metadata addresses stay refused.";
  }
  if (text.includes('WEBHOOK_ALLOW_PRIVATE_NETWORKS')) {
    return 'An operator can allow receivers on private networks with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true on the usage-service; otherwise use a public https URL.';
  }
  switch (error.body.code) {
    case 'usage_limit_exceeded':
      return "Raise or remove the key's usage limit (API Keys → Edit), or wait until the period resets (UTC).";
    case 'rate_limited':
      return "Slow down, or raise the key's rate limit (API Keys → Edit).";
    case 'network_error':
    case 'service_unavailable':
      return 'Try again in a moment; if it persists, check that the gateway and its services are running.';
    default:
      return null;
  }
}

const TITLES: Record<string, string> = {
  validation_error: 'Invalid input',
  unauthorized: 'Not signed in',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  payload_too_large: 'Too large',
  rate_limited: 'Too many requests',
  usage_limit_exceeded: 'Usage limit reached',
  upstream_error: 'Upstream error',
  upstream_timeout: 'Upstream timeout',
  service_unavailable: 'Service unavailable',
  internal_error: 'Internal error',
  network_error: 'Network error',
};

export interface Envelope<T> {
  success: true;
  data: T;
  pagination?: { next_cursor: string | null };
}

let csrfToken: string | null = null;
let onUnauthorized: (error: ApiError) => void = () => undefined;

/** Kept in memory only: it is useless without the HttpOnly cookie, and it is not the key. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function setUnauthorizedHandler(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  options: { quietUnauthorized?: boolean; signal?: AbortSignal } = {},
): Promise<Envelope<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
  } catch (err) {
    // A request its caller gave up on (a newer one replaced it) is no failure to show.
    if (options.signal?.aborted) throw err;
    throw new ApiError(0, { code: 'network_error', message: 'The gateway could not be reached' });
  }
  const parsed: unknown = await response.json().catch(() => null);
  options.signal?.throwIfAborted();
  const envelope = parsed as { success?: boolean; error?: ErrorBody } | null;
  if (response.ok && envelope?.success === true) return envelope as Envelope<T>;
  const error = new ApiError(
    response.status,
    envelope?.error ?? { code: 'internal_error', message: `Unexpected answer (HTTP ${response.status})` },
  );
  if (response.status === 401 && !options.quietUnauthorized) onUnauthorized(error);
  throw error;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, { signal }),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** Every page of a list endpoint (the dashboard shows whole, small lists). */
export async function listAll<T>(path: string, max = 1000, signal?: AbortSignal): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: Envelope<T[]> = await api.get<T[]>(
      `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      signal,
    );
    out.push(...page.data);
    cursor = page.pagination?.next_cursor ?? null;
  } while (cursor !== null && out.length < max);
  return out;
}
