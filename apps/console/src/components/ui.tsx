import type { CombinedError } from 'urql';
import { useId, type ReactNode } from 'react';

export function PageHeader({ title, description, actions }: { title: string; description?: string; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
        {description && <p className="mt-1 text-sm text-slate-500">{description}</p>}
      </div>
      {actions}
    </div>
  );
}

export function Card({
  title,
  children,
  actions,
  className = '',
}: {
  title?: string;
  children: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  const id = useId();
  return (
    <section
      aria-labelledby={title ? id : undefined}
      className={`min-w-0 rounded-xl border border-slate-200 bg-white shadow-sm ${className}`}
    >
      {title && (
        <header className="flex items-center justify-between gap-3 border-b border-slate-100 px-5 py-3">
          <h2 id={id} className="text-sm font-semibold text-slate-800">
            {title}
          </h2>
          {actions}
        </header>
      )}
      <div className="p-5">{children}</div>
    </section>
  );
}

export function Stat({
  label,
  value,
  hint,
  tone = 'slate',
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  tone?: 'slate' | 'indigo' | 'emerald' | 'amber' | 'rose';
}) {
  const tones = {
    slate: 'text-slate-900',
    indigo: 'text-indigo-600',
    emerald: 'text-emerald-600',
    amber: 'text-amber-600',
    rose: 'text-rose-600',
  };
  return (
    <div className="rounded-xl border border-slate-200 bg-white px-5 py-4 shadow-sm">
      <div className="text-xs font-medium tracking-wide text-slate-500 uppercase">{label}</div>
      <div className={`mt-1 text-2xl font-semibold tabular-nums ${tones[tone]}`}>{value}</div>
      {hint && <div className="mt-1 text-xs text-slate-500">{hint}</div>}
    </div>
  );
}

export function Button({
  children,
  tone = 'primary',
  ...props
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { tone?: 'primary' | 'secondary' | 'danger' }) {
  const tones = {
    primary: 'bg-indigo-600 text-white hover:bg-indigo-500 disabled:bg-indigo-300',
    secondary: 'border border-slate-300 bg-white text-slate-700 hover:bg-slate-50 disabled:text-slate-300',
    danger: 'border border-rose-200 bg-white text-rose-600 hover:bg-rose-50',
  };
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-medium shadow-xs transition ${tones[tone]} ${props.className ?? ''}`}
    >
      {children}
    </button>
  );
}

/** An API error beside the form that caused it: its code and message, announced to screen readers. */
export function ErrorAlert({ error }: { error: CombinedError | string | null | undefined }) {
  if (!error) return null;
  const items =
    typeof error === 'string'
      ? [{ code: 'ERROR', message: error }]
      : error.graphQLErrors.length > 0
        ? error.graphQLErrors.map((e) => ({ code: String(e.extensions?.code ?? 'ERROR'), message: e.message }))
        : [{ code: 'NETWORK_ERROR', message: error.networkError?.message ?? error.message }];
  return (
    <div role="alert" className="rounded-md border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-700">
      {items.map((e, i) => (
        <p key={i}>
          <span className="mr-2 rounded bg-rose-100 px-1.5 py-0.5 font-mono text-xs font-semibold">{e.code}</span>
          {e.message}
        </p>
      ))}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
      {children}
    </div>
  );
}

export function Badge({
  children,
  tone = 'slate',
}: {
  children: ReactNode;
  tone?: 'slate' | 'indigo' | 'emerald' | 'amber' | 'rose' | 'sky';
}) {
  const tones = {
    slate: 'bg-slate-100 text-slate-700',
    indigo: 'bg-indigo-50 text-indigo-700',
    emerald: 'bg-emerald-50 text-emerald-700',
    amber: 'bg-amber-50 text-amber-700',
    rose: 'bg-rose-50 text-rose-700',
    sky: 'bg-sky-50 text-sky-700',
  };
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>{children}</span>;
}

const STATUS_TONES: Record<string, 'slate' | 'indigo' | 'emerald' | 'amber' | 'rose' | 'sky'> = {
  OPEN: 'sky',
  PARTIALLY_FILLED: 'indigo',
  FILLED: 'emerald',
  CANCELLED: 'slate',
  EXPIRED: 'amber',
  QUEUED: 'slate',
  RUNNING: 'sky',
  SUCCEEDED: 'emerald',
  FAILED: 'rose',
  PLACED: 'sky',
};

export const StatusBadge = ({ status }: { status: string }) => (
  <Badge tone={STATUS_TONES[status] ?? 'slate'}>{status.replace('_', ' ')}</Badge>
);

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <p className="py-6 text-center text-sm text-slate-400">{what}…</p>;
}

/** A short count or state in a card's header. */
export function CardNote({ children }: { children: ReactNode }) {
  return <span className="text-xs text-slate-500">{children}</span>;
}
