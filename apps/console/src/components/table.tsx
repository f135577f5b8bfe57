import type { ReactNode } from 'react';
import type { Cursor } from '../lib/query';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  align?: 'left' | 'right';
}

export function Table<T>({
  label,
  columns,
  rows,
  rowKey,
  empty = 'Nothing yet.',
}: {
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty?: string;
}) {
  return (
    <div className="overflow-x-auto">
      <table aria-label={label} className="w-full text-sm">
        <thead>
          <tr className="border-b border-slate-200 text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
            {columns.map((c) => (
              <th key={c.header} scope="col" className={`px-3 py-2 whitespace-nowrap ${c.align === 'right' ? 'text-right' : ''}`}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="px-3 py-6 text-center text-slate-400">
                {empty}
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={rowKey(row)} className="hover:bg-slate-50">
              {columns.map((c) => (
                <td key={c.header} className={`px-3 py-2 whitespace-nowrap ${c.align === 'right' ? 'text-right tabular-nums' : ''}`}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Cursor paging under a table: back to the newest page, or on to older ones. */
export function Pager({
  cursor,
  pageInfo,
  busy,
  older,
}: {
  cursor: Cursor;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  busy: boolean;
  older: string;
}) {
  return (
    <div className="mt-4 flex justify-end gap-2">
      {cursor.after && (
        <button type="button" className="text-sm font-medium text-indigo-600" onClick={cursor.newest}>
          Newest
        </button>
      )}
      {pageInfo.hasNextPage && (
        <button
          type="button"
          disabled={busy}
          className="text-sm font-medium text-indigo-600"
          onClick={() => cursor.older(pageInfo.endCursor ?? null)}
        >
          {older}
        </button>
      )}
    </div>
  );
}
