import { useCallback, useEffect, useState } from 'react';
import { useQuery, type AnyVariables, type UseQueryArgs } from 'urql';

/** A query and `reload`, which asks the API again past the cache (after a change, or on a timer). */
export function useReloadableQuery<Data, Variables extends AnyVariables>(args: UseQueryArgs<Variables, Data>) {
  const [result, refetch] = useQuery(args);
  const reload = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  return [result, reload] as const;
}

/** Reloads every `ms` while the page is open: books, tapes and progress stay live. */
export function usePolling(reload: () => void, ms: number) {
  useEffect(() => {
    const timer = setInterval(reload, ms);
    return () => clearInterval(timer);
  }, [reload, ms]);
}

/** The nodes of one page of a connection. */
export const nodes = <T>(connection: { edges: { node: T }[] }): T[] => connection.edges.map((e) => e.node);

/** Where a paged list starts: `after` a cursor, or at the newest when null. */
export function useCursor() {
  const [after, setAfter] = useState<string | null>(null);
  return { after, newest: () => setAfter(null), older: (cursor: string | null) => setAfter(cursor) };
}

export type Cursor = ReturnType<typeof useCursor>;
