import type { ReactNode } from 'react';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

/**
 * A list as a table: a header row, one row a record, an "Actions" column (named for screen readers
 * only) when `actions` is given, and `empty` once the list has loaded with nothing in it. On a
 * phone-sized screen every row becomes a card of `header: value` lines (styles.css), so nothing
 * scrolls sideways; the explicit roles keep it a table for screen readers, whatever its display.
 */
export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  rowProps,
  actions,
  empty,
  wrapped = true,
}: {
  caption?: string;
  columns: Column<T>[];
  rows: T[] | null;
  rowKey: (row: T) => string;
  /** Attributes of a row's <tr> (e.g. `data-key-id`) that tests and styles find it by. */
  rowProps?: (row: T) => Record<string, string>;
  actions?: (row: T) => ReactNode;
  empty?: string;
  wrapped?: boolean;
}) {
  const table = (
    <>
      <table role="table" className="data-table">
        {caption === undefined ? null : <caption className="sr-only">{caption}</caption>}
        <thead role="rowgroup">
          <tr role="row">
            {columns.map((c) => (
              <th key={c.header} scope="col" role="columnheader">
                {c.header}
              </th>
            ))}
            {actions ? (
              <th scope="col" role="columnheader">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody role="rowgroup">
          {(rows ?? []).map((row) => (
            <tr key={rowKey(row)} role="row" {...rowProps?.(row)}>
              {columns.map((c) => (
                <td key={c.header} role="cell" className={c.className} data-label={c.header}>
                  {c.cell(row)}
                </td>
              ))}
              {actions ? (
                <td role="cell" className="row-actions">
                  {actions(row)}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {empty !== undefined && rows?.length === 0 ? <p className="muted">{empty}</p> : null}
    </>
  );
  return wrapped ? <div className="table-wrap">{table}</div> : table;
}
