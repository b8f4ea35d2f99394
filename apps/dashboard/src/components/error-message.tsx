import { ApiError } from '../api/client';

/** Shows any failure as a sentence, announced to screen readers. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const text =
    error instanceof ApiError
      ? error.readable
      : error instanceof Error
        ? error.message
        : typeof error === 'string'
          ? error
          : 'Something went wrong';
  const requestId = error instanceof ApiError ? error.body.request_id : undefined;
  return (
    <div className="error" role="alert">
      {text}
      {requestId ? <span className="muted"> — request {requestId}</span> : null}
    </div>
  );
}
