import {
  QueryClient,
  type QueryKey,
  keepPreviousData,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { ApiError, api, listAll } from '../api/client';

/** Failures worth a second try: the gateway unreachable or briefly unavailable, never a 4xx. */
function retryable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

/**
 * The one cache every page reads through: a list loaded on the Keys page is the list the Usage page
 * shows at once (and revalidates in the background), refetched when the window regains focus, and a
 * request whose answer nobody waits for any more (its filter changed, its page closed) is aborted.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        refetchOnWindowFocus: true,
        retry: (failures, error) => failures < 2 && retryable(error),
        retryDelay: (failures) => Math.min(500 * 2 ** failures, 4_000),
      },
      mutations: { retry: false },
    },
  });
}

/**
 * A query key for a REST path: the resource first, so invalidating `['/v1/keys']` reaches every
 * filtered or paged read of it (`/v1/keys?…`, `/v1/keys/key_…/usage`).
 */
export function pathKey(path: string, ...rest: unknown[]): QueryKey {
  const [resource = path, query = ''] = path.split('?');
  const parts = resource.split('/').filter(Boolean);
  return [`/${parts.slice(0, 2).join('/')}`, resource, query, ...rest];
}

/** What a page needs of a read: the data, its failure, whether it is loading, and a reload. */
export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  /** The failure of a background refresh while the data shown is still the last good answer. */
  refreshError: unknown;
  reload: () => Promise<void>;
}

/** A read through the shared cache; `key` (from `pathKey`) names it, `load` gets an abort signal. */
export function useLoad<T>(
  key: QueryKey,
  load: (signal: AbortSignal) => Promise<T>,
  options: { enabled?: boolean; refetchInterval?: number; keepPrevious?: boolean; staleTime?: number } = {},
): Loaded<T> {
  const query = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => load(signal),
    enabled: options.enabled,
    refetchInterval: options.refetchInterval,
    staleTime: options.staleTime,
    placeholderData: options.keepPrevious ? keepPreviousData : undefined,
  });
  const hasData = query.data !== undefined && !query.isPlaceholderData;
  return {
    data: query.data ?? null,
    // An error counts only when there is nothing valid to show for this very request; a failed
    // refresh of data still on screen is reported quietly instead (see `refreshError`).
    error: hasData ? null : query.error,
    loading: query.isFetching,
    refreshError: hasData ? query.error : null,
    reload: async () => {
      await query.refetch({ cancelRefetch: true });
    },
  };
}

/** Every record of a list endpoint, through the shared cache. */
export function useList<T>(path: string, max?: number, options: { refetchInterval?: number } = {}) {
  return useLoad(pathKey(path, max), (signal) => listAll<T>(path, max, signal), {
    ...options,
    keepPrevious: true,
  });
}

/** A list read page by page (`loadMore` follows the cursor), newest first, through the shared cache. */
export function usePagedList<T>(path: string, pageSize = 50) {
  const query = useInfiniteQuery({
    queryKey: pathKey(path, 'paged', pageSize),
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) => {
      const sep = path.includes('?') ? '&' : '?';
      const cursor = pageParam === null ? '' : `&cursor=${encodeURIComponent(pageParam)}`;
      return api.get<T[]>(`${path}${sep}limit=${pageSize}${cursor}`, signal);
    },
    getNextPageParam: (last) => last.pagination?.next_cursor ?? null,
    placeholderData: keepPreviousData,
  });
  const hasData = query.data !== undefined && !query.isPlaceholderData;
  return {
    data: query.data ? query.data.pages.flatMap((p) => p.data) : null,
    error: hasData ? null : query.error,
    refreshError: hasData ? query.error : null,
    loading: query.isFetching,
    hasMore: query.hasNextPage,
    loadMore: () => void query.fetchNextPage(),
    reload: async () => {
      await query.refetch({ cancelRefetch: true });
    },
  };
}

/** After a change: every cached read of these resources (e.g. `'/v1/keys'`) is refetched. */
export function useInvalidate() {
  const client = useQueryClient();
  return async (...resources: string[]) => {
    await Promise.all(resources.map((r) => client.invalidateQueries({ queryKey: [r] })));
  };
}
