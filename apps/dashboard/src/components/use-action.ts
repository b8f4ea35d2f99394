import { type FormEvent, useCallback, useState } from 'react';

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

export type Action = ReturnType<typeof useAction>;

/** A form's submit: the browser's own submission stopped, `work` run as one action. */
export function useSubmit(work: () => Promise<void>) {
  const action = useAction();
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(work);
  };
  return { ...action, onSubmit };
}

/**
 * A row action that asks first: `ask(row)` opens its dialog (shown while `target` is set);
 * `confirm(work)` runs `work(target)` as the page's `action`, then closes the dialog and reloads the
 * list, whatever the outcome.
 */
export function useConfirm<T>(action: Action, reload: () => Promise<void>) {
  const [target, setTarget] = useState<T | null>(null);
  return {
    target,
    ask: setTarget,
    cancel: () => setTarget(null),
    confirm: (work: (target: T) => Promise<void>) => () => {
      if (target === null) return;
      void action.run(
        () => work(target),
        async () => {
          setTarget(null);
          await reload();
        },
      );
    },
  };
}
