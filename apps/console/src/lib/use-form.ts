import { useState, type FormEvent } from 'react';
import type { CombinedError, OperationResult } from 'urql';

/**
 * A form that runs one mutation: its error stays beside the form until the next submit, and
 * `onDone` runs only when the API accepted it.
 */
export function useMutationForm<T>(run: () => Promise<OperationResult<T>>, onDone?: (data: T) => void) {
  const [error, setError] = useState<CombinedError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    const result = await run();
    setBusy(false);
    setError(result.error ?? null);
    if (!result.error && result.data) onDone?.(result.data);
  };
  return { error, busy, submit };
}

/** Today plus `days`, as yyyy-mm-dd (UTC), for date inputs. */
export const isoDay = (days = 0) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
