import type { FormEvent, ReactNode } from 'react';
import type { MutationFormState } from '../lib/use-form';
import { Button, ErrorAlert, Notice } from './ui';

type Tone = 'primary' | 'secondary' | 'danger';

/**
 * A form that runs one mutation (see `useMutationForm`): its fields, then the API's error, the
 * notice of success and the submit button, wrapped in `footerClassName` where the layout needs it.
 */
export function MutationForm({
  label,
  form,
  submit,
  tone,
  className,
  footerClassName,
  children,
}: {
  label: string;
  form: MutationFormState;
  submit: string;
  tone?: Tone;
  className: string;
  footerClassName?: string;
  children: ReactNode;
}) {
  const footer = (
    <>
      <ErrorAlert error={form.error} />
      {form.notice && <Notice>{form.notice}</Notice>}
      <Button type="submit" tone={tone} disabled={form.busy}>
        {submit}
      </Button>
    </>
  );
  return (
    <form aria-label={label} onSubmit={form.submit} className={className}>
      {children}
      {footerClassName ? <div className={footerClassName}>{footer}</div> : footer}
    </form>
  );
}

/** A one-input mutation form inside a table row: the input, a small button, and the API's error. */
export function RowForm({
  label,
  form,
  submit,
  submitLabel,
  tone,
  children,
}: {
  label: string;
  form: MutationFormState;
  submit: string;
  /** The button's accessible name, which names the row. */
  submitLabel: string;
  tone: Tone;
  children: ReactNode;
}) {
  return (
    <form aria-label={label} onSubmit={form.submit} className="flex items-center justify-end gap-2">
      {children}
      <Button type="submit" tone={tone} aria-label={submitLabel} disabled={form.busy} className="px-2 py-1 text-xs">
        {submit}
      </Button>
      <ErrorAlert error={form.error} />
    </form>
  );
}

/** Filters of a table or chart: each choice applies at once, there is nothing to submit. */
export function FilterBar({ label, className, children }: { label: string; className: string; children: ReactNode }) {
  return (
    <form aria-label={label} className={className} onSubmit={(e: FormEvent) => e.preventDefault()}>
      {children}
    </form>
  );
}
