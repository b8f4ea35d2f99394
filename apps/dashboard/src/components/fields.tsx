import type { InputHTMLAttributes, ReactNode } from 'react';

/** A labelled text-like input; every other attribute goes to the <input>. */
export function TextField({
  id,
  label,
  ...input
}: { id: string; label: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} />
    </>
  );
}

interface SelectProps<V extends string> {
  id: string;
  label: string;
  value: V;
  onChange: (value: V) => void;
  children: ReactNode;
}

/** A labelled <select> that reports the chosen value; its <option>s are the children. */
export function SelectField<V extends string>({ id, label, value, onChange, children }: SelectProps<V>) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as V)}>
        {children}
      </select>
    </>
  );
}

/** The <option>s of a select, from a list of values and their labels. */
export function Options({ of }: { of: readonly { value: string; label: string }[] }) {
  return (
    <>
      {of.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </>
  );
}

/** One of a page's filters: a labelled <select> in a box of its own. */
export function Filter<V extends string>(props: SelectProps<V>) {
  return (
    <div>
      <SelectField {...props} />
    </div>
  );
}

/** One of a page's typed-in filters (or one short field of a row): a labelled <input> in a box of its own. */
export function FilterInput({
  onValue,
  ...props
}: { id: string; label: string; value: string; onValue: (value: string) => void } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange'
>) {
  return (
    <div>
      <TextField {...props} onChange={(e) => onValue(e.target.value)} />
    </div>
  );
}

/** `list` with `item` added, or removed when it is there. */
export function toggled<V>(list: V[], item: V): V[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

/** Checkboxes choosing a subset of `options`; `children` come before them (e.g. "none available"). */
export function CheckList<V extends string>({
  options,
  selected,
  onChange,
  className = 'checklist',
  label,
  children,
}: {
  options: { value: V; label: ReactNode }[];
  selected: V[];
  onChange: (selected: V[]) => void;
  className?: string;
  /** Names the list as a group for screen readers. */
  label?: string;
  children?: ReactNode;
}) {
  return (
    <div className={className} {...(label === undefined ? {} : { role: 'group', 'aria-label': label })}>
      {children}
      {options.map((o) => (
        <label key={o.value}>
          <input
            type="checkbox"
            checked={selected.includes(o.value)}
            onChange={() => onChange(toggled(selected, o.value))}
          />{' '}
          {o.label}
        </label>
      ))}
    </div>
  );
}

/** The required "Name" of a record (a key, an MCP): at most 100 characters. */
export function NameField({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <TextField
      id={id}
      label="Name"
      required
      maxLength={100}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
