/**
 * Typed errors, one class per wire code (`ErrorCode` in `@plexmcp/contracts`). Messages come from the server's envelope and
 * never contain the API key.
 */
export class PlexMCPError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad client configuration (missing or malformed key, bad base URL); nothing was sent. */
export class ConfigurationError extends PlexMCPError {}

export interface ErrorDetail {
  field: string;
  message: string;
}

export class APIError extends PlexMCPError {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Headers;

  constructor(
    status: number,
    body: { code?: string; message?: string; request_id?: string; details?: ErrorDetail[] } | undefined,
    headers: Headers,
  ) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? 'unknown_error';
    this.requestId = body?.request_id ?? headers.get('x-request-id') ?? undefined;
    this.details = body?.details;
    this.headers = headers;
  }
}

export class ValidationError extends APIError {}
export class AuthenticationError extends APIError {}
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class ConflictError extends APIError {}
export class PayloadTooLargeError extends APIError {}
/** `Retry-After` (delta-seconds or an HTTP date) in milliseconds from now, when the answer has one. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export class RateLimitError extends APIError {
  /** Seconds to wait before retrying, from `Retry-After`. */
  get retryAfter(): number | undefined {
    const ms = retryAfterMs(this.headers);
    return ms === undefined ? undefined : Math.ceil(ms / 1000);
  }
}
/**
 * The organization's or the key's request budget for the period is spent (MCP calls only). A
 * `RateLimitError` as in the other SDKs, but never retried: waiting seconds cannot help; the limit
 * lifts when the period resets (`retryAfter`) or an operator raises it.
 */
export class UsageLimitExceededError extends RateLimitError {}
export class UpstreamError extends APIError {}
export class UpstreamTimeoutError extends UpstreamError {}
export class ServiceUnavailableError extends APIError {}
export class InternalServerError extends APIError {}

/** The request never got an HTTP answer (network failure). */
export class APIConnectionError extends PlexMCPError {}
/** The request took longer than `timeoutMs`. */
export class APITimeoutError extends APIConnectionError {}
/** The caller's `signal` aborted the call; `cause` is the signal's reason. Never retried. */
export class APIUserAbortError extends PlexMCPError {
  constructor(reason?: unknown) {
    super('Request was aborted');
    this.cause = reason;
  }
}

const BY_CODE: Record<string, new (...args: ConstructorParameters<typeof APIError>) => APIError> = {
  validation_error: ValidationError,
  unauthorized: AuthenticationError,
  forbidden: PermissionDeniedError,
  not_found: NotFoundError,
  conflict: ConflictError,
  payload_too_large: PayloadTooLargeError,
  rate_limited: RateLimitError,
  usage_limit_exceeded: UsageLimitExceededError,
  upstream_error: UpstreamError,
  upstream_timeout: UpstreamTimeoutError,
  service_unavailable: ServiceUnavailableError,
  internal_error: InternalServerError,
};

const BY_STATUS: Record<number, new (...args: ConstructorParameters<typeof APIError>) => APIError> = {
  400: ValidationError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  429: RateLimitError,
  502: UpstreamError,
  503: ServiceUnavailableError,
  504: UpstreamTimeoutError,
};

export function errorFromResponse(status: number, body: unknown, headers: Headers): APIError {
  const error =
    body && typeof body === 'object' && 'error' in body
      ? (body as { error: Record<string, unknown> }).error
      : undefined;
  const shaped = error as ConstructorParameters<typeof APIError>[1];
  const Ctor =
    (shaped?.code && BY_CODE[shaped.code]) ||
    BY_STATUS[status] ||
    (status >= 500 ? InternalServerError : APIError);
  return new Ctor(status, shaped, headers);
}
