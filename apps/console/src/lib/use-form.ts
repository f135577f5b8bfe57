import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, type AnyVariables, type CombinedError, type DocumentInput } from 'urql';

/** A form's input values, as the inputs give them; `field(name)` binds one to a TextField or SelectField. */
export function useFields<T extends Record<string, string>>(initial: T, onChange?: () => void) {
  const [values, setValues] = useState(initial);
  const set = (patch: Partial<T>) => {
    setValues((current) => ({ ...current, ...patch }));
    onChange?.();
  };
  const field = <K extends keyof T>(name: K) => ({
    value: values[name],
    onChange: (value: string) => set({ [name]: value } as Partial<T>),
  });
  return { values, set, field };
}

/**
 * A form that runs one mutation: its error stays beside the form until the next submit, and
 * `onDone` runs only when the API accepted it; what it returns is the form's notice.
 */
export function useMutationForm<Data, Variables extends AnyVariables>(
  document: DocumentInput<Data, Variables>,
  variables: () => Variables,
  onDone?: (data: Data) => ReactNode | void,
) {
  const [, execute] = useMutation(document);
  const [error, setError] = useState<CombinedError | null>(null);
  const [notice, setNotice] = useState<ReactNode>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setNotice(null);
    setBusy(true);
    const result = await execute(variables());
    setBusy(false);
    setError(result.error ?? null);
    if (!result.error && result.data) setNotice(onDone?.(result.data) ?? null);
  };
  return { error, busy, notice, submit };
}

export type MutationFormState = ReturnType<typeof useMutationForm>;

/** Today plus `days`, as yyyy-mm-dd (UTC), for date inputs. */
export const isoDay = (days = 0) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** The start (00:00 UTC) of a yyyy-mm-dd day, as the API takes a DateTime. */
export const startOfDay = (day: string) => new Date(`${day}T00:00:00Z`).toISOString();
