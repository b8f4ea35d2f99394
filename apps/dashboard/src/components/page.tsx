import type { ReactNode } from 'react';
import { ErrorMessage, RefreshNotice } from './error-message';

/**
 * A dashboard page: its heading (`<name>-title`, which labels the section) beside the page's main
 * button, then a live status line when the page reports what it did, its filters, what went wrong
 * (or, quietly, that a refresh failed) and the content.
 */
export function Page({
  name,
  title,
  action,
  status,
  filters,
  error,
  refreshError,
  children,
}: {
  name: string;
  title: string;
  action: ReactNode;
  status?: string;
  filters?: ReactNode;
  error: unknown;
  /** A failed background refresh of data still shown (see `useLoad`). */
  refreshError?: unknown;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={`${name}-title`}>
      <div className="page-head">
        <h1 id={`${name}-title`}>{title}</h1>
        {action}
      </div>
      {status === undefined ? null : (
        <p role="status" aria-live="polite" className="muted">
          {status}
        </p>
      )}
      {filters === undefined ? null : <div className="filters">{filters}</div>}
      <ErrorMessage error={error} />
      <RefreshNotice error={refreshError} />
      {children}
    </section>
  );
}
