import { useCallback, useState } from 'react';

/**
 * One user action at a time (a submit, a confirmed delete): `busy` while it runs, its failure kept
 * in `error` for an <ErrorMessage>, and `settled` (e.g. close a dialog, reload a list) run after
 * either outcome.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (work: () => Promise<void>, settled?: () => void | Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      await settled?.();
    }
  }, []);
  return { busy, error, run };
}
