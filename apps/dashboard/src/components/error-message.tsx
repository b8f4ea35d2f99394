import { ApiError, remedyOf } from '../api/client';

/** Any failure as one sentence. */
export function errorText(error: unknown): string {
  return error instanceof ApiError
    ? error.readable
    : error instanceof Error
      ? error.message
      : typeof error === 'string'
        ? error
        : 'Something went wrong';
}

/** Shows any failure as a sentence, announced to screen readers. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const requestId = error instanceof ApiError ? error.body.request_id : undefined;
  const remedy = error instanceof ApiError ? remedyOf(error) : null;
  return (
    <div className="error" role="alert">
      {errorText(error)}
      {requestId ? <span className="muted"> — request {requestId}</span> : null}
      {remedy ? <p className="remedy">How to fix: {remedy}</p> : null}
    </div>
  );
}

/**
 * A background refresh that failed while the last good answer stays on screen: said quietly beside
 * it, not as an error banner, and gone with the next successful refresh.
 */
export function RefreshNotice({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p className="muted refresh-notice" data-testid="refresh-notice">
      Showing the last loaded data; refreshing failed ({errorText(error)}).
    </p>
  );
}
