import { useCallback, useEffect, useState } from 'react';
import { listAll } from '../api/client';

/** Loads data on mount and on `reload()`, keeping the last value while reloading. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setData(await run());
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }, [run]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}

/** Every record of a list endpoint, loaded on mount and again when `path` changes. */
export function useList<T>(path: string, max?: number) {
  return useAsync(() => listAll<T>(path, max), [path, max]);
}
