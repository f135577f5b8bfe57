import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

const inputClass =
  'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none';

/** The small input of a form inside a table row or a card header. */
const compactClass = 'rounded-md border border-slate-300 px-2 py-1';

/** A select's choices: plain values, or values with a label to show. */
export type Options = readonly (string | { value: string; label: ReactNode })[];

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'className' | 'id'>;

export function Field({
  label,
  children,
  hint,
}: {
  label: string;
  children: (props: { id: string; className: string }) => ReactNode;
  hint?: string;
}) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="block text-xs font-medium text-slate-600">
        {label}
      </label>
      {children({ id, className: inputClass })}
      {hint && <p className="mt-1 text-xs text-slate-400">{hint}</p>}
    </div>
  );
}

/** A labelled text input. */
export function TextField({
  label,
  hint,
  value,
  onChange,
  ...input
}: InputProps & { label: string; hint?: string; value: string; onChange: (value: string) => void }) {
  return (
    <Field label={label} hint={hint}>
      {(p) => <input {...p} {...input} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

interface SelectFieldProps {
  label: string;
  hint?: string;
  value: string;
  onChange: (value: string) => void;
  options: Options;
  /** A first choice with the empty value: none chosen yet, or every one. */
  placeholder?: string;
  required?: boolean;
}

/** A labelled select. */
export function SelectField({ label, hint, value, onChange, options, placeholder, required }: SelectFieldProps) {
  return (
    <Field label={label} hint={hint}>
      {(p) => (
        <select {...p} required={required} value={value} onChange={(e) => onChange(e.target.value)}>
          <Choices options={options} placeholder={placeholder} />
        </select>
      )}
    </Field>
  );
}

/** A SelectField of partners by name, their id as the value. */
export function PartnerSelect({ partners, ...select }: Omit<SelectFieldProps, 'options'> & { partners: { id: string; name: string }[] }) {
  return <SelectField {...select} options={partners.map((p) => ({ value: p.id, label: p.name }))} />;
}

/** A select with its label beside it, small enough for a card header. */
export function InlineSelect({
  label,
  value,
  onChange,
  options,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: Options;
}) {
  return (
    <label className="flex items-center gap-2 text-xs text-slate-500">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} className={`${compactClass} text-xs text-slate-800`}>
        <Choices options={options} />
      </select>
    </label>
  );
}

/** A small input for a form inside a table row; name it with `aria-label`. */
export function RowInput({
  value,
  onChange,
  className,
  ...input
}: InputProps & { value: string; onChange: (value: string) => void; className: string }) {
  return <input {...input} value={value} onChange={(e) => onChange(e.target.value)} className={`w-32 ${compactClass} ${className}`} />;
}

function Choices({ options, placeholder }: { options: Options; placeholder?: string }) {
  return (
    <>
      {placeholder !== undefined && <option value="">{placeholder}</option>}
      {options.map((o) =>
        typeof o === 'string' ? (
          <option key={o}>{o}</option>
        ) : (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ),
      )}
    </>
  );
}
