/**
 * The closed set of wire error codes (the `code` of the error envelope) and the one map from code to HTTP status.
 * Services throw `AppError`; each app's exception filter turns it into the error envelope.
 */
export const ErrorCode = {
  ValidationError: 'validation_error',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  MethodNotAllowed: 'method_not_allowed',
  Conflict: 'conflict',
  PayloadTooLarge: 'payload_too_large',
  RateLimited: 'rate_limited',
  UsageLimitExceeded: 'usage_limit_exceeded',
  UpstreamError: 'upstream_error',
  UpstreamTimeout: 'upstream_timeout',
  ServiceUnavailable: 'service_unavailable',
  InternalError: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES = Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]];

export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  usage_limit_exceeded: 429,
  upstream_error: 502,
  upstream_timeout: 504,
  service_unavailable: 503,
  internal_error: 500,
};

/** The default message of each code; clients may quote them, so they are fixed word for word. */
export const DEFAULT_MESSAGES: Readonly<Record<ErrorCode, string>> = {
  validation_error: 'Request validation failed',
  unauthorized: 'Invalid or missing API key',
  forbidden: 'API key does not have permission for this resource',
  not_found: 'Resource not found',
  method_not_allowed: 'Method not allowed on this resource',
  conflict: 'The request conflicts with the current state of the resource',
  payload_too_large: 'Request body is too large',
  rate_limited: 'Rate limit exceeded',
  usage_limit_exceeded: 'Usage limit exceeded',
  upstream_error: 'The MCP upstream server failed',
  upstream_timeout: 'The MCP upstream server did not answer in time',
  service_unavailable: 'A required service is unavailable',
  internal_error: 'Internal server error',
};

export interface ErrorDetail {
  /** Dotted path of the offending field (`permissions.mcps.0`), or `''` for the whole input. */
  field: string;
  message: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  request_id?: string;
  details?: ErrorDetail[];
}

export interface ErrorEnvelope {
  success: false;
  error: ErrorBody;
}

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
  pagination?: { next_cursor: string | null };
}

/** `{"success": true, "data": …}`: what the gateway answers, and what a service stores for a replay. */
export function successEnvelope<T>(data: T): SuccessEnvelope<T> {
  return { success: true, data };
}

/**
 * A typed, expected failure. Never carries secrets in its message or details. `cause` keeps the
 * underlying failure for logs (a NATS timeout behind a 503, say); it never reaches the wire.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  /** Extra HTTP headers the gateway should send with this error (e.g. Retry-After). */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { details?: ErrorDetail[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(
      message ?? DEFAULT_MESSAGES[code],
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.headers = options.headers;
  }

  get status(): number {
    return HTTP_STATUS_BY_CODE[this.code];
  }

  toBody(requestId?: string): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (requestId !== undefined) body.request_id = requestId;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}
