import { useEffect, useId, useRef, type ChangeEvent, type ReactNode } from "react";

interface BaseProps {
  label: string;
  name: string;
  error?: string | undefined;
  hint?: ReactNode;
  className?: string;
}

function describedBy(id: string, error?: string, hint?: ReactNode): string | undefined {
  const ids = [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

function Messages({
  id,
  error,
  hint,
}: {
  id: string;
  error?: string | undefined;
  hint?: ReactNode;
}) {
  return (
    <>
      {hint && (
        <span className="field-hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error && (
        <span className="field-error" id={`${id}-error`} role="alert">
          {error}
        </span>
      )}
    </>
  );
}

interface TextFieldProps extends BaseProps {
  value: string;
  onChange: (value: string) => void;
  type?: "text" | "password" | "url" | "search" | "number" | "date";
  required?: boolean;
  placeholder?: string;
  autoComplete?: string;
  min?: number;
  max?: number;
  inputMode?: "numeric" | "text" | "url";
  autoFocus?: boolean;
}

export function TextField(props: TextFieldProps) {
  const id = useId();
  const { label, name, error, hint, value, onChange, type = "text", className, ...rest } = props;
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        {...rest}
      />
      <Messages id={id} error={error} hint={hint} />
    </div>
  );
}

interface SelectFieldProps extends BaseProps {
  value: string;
  onChange: (value: string) => void;
  options: readonly { value: string; label: string }[];
}

export function SelectField(props: SelectFieldProps) {
  const id = useId();
  const { label, name, error, hint, value, onChange, options, className } = props;
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={name}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Messages id={id} error={error} hint={hint} />
    </div>
  );
}

interface CheckboxFieldProps extends BaseProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
}

export function CheckboxField(props: CheckboxFieldProps) {
  const id = useId();
  const { label, name, error, hint, checked, onChange, className } = props;
  return (
    <div className={`field field-checkbox ${className ?? ""}`}>
      <input
        id={id}
        name={name}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
      />
      <label htmlFor={id}>{label}</label>
      <Messages id={id} error={error} hint={hint} />
    </div>
  );
}

interface CheckboxGroupProps<T extends string> extends BaseProps {
  /** The values checked, kept in the order of `options`. */
  values: readonly T[];
  onChange: (values: T[]) => void;
  options: readonly { value: T; label: string }[];
}

/** A fieldset of checkboxes, one per option: a choice of several values (or none). */
export function CheckboxGroup<T extends string>(props: CheckboxGroupProps<T>) {
  const id = useId();
  const { label, name, error, hint, values, onChange, options, className } = props;
  function toggle(value: T, checked: boolean) {
    const next = new Set(values);
    if (checked) next.add(value);
    else next.delete(value);
    onChange(options.map((o) => o.value).filter((v) => next.has(v)));
  }
  return (
    <fieldset
      className={`field checkbox-group ${className ?? ""}`}
      aria-describedby={describedBy(id, error, hint)}
    >
      <legend>{label}</legend>
      {options.map((o) => (
        <div className="field field-checkbox" key={o.value}>
          <input
            id={`${id}-${o.value}`}
            name={name}
            type="checkbox"
            value={o.value}
            checked={values.includes(o.value)}
            onChange={(e) => toggle(o.value, e.target.checked)}
            aria-invalid={error ? true : undefined}
          />
          <label htmlFor={`${id}-${o.value}`}>{o.label}</label>
        </div>
      ))}
      <Messages id={id} error={error} hint={hint} />
    </fieldset>
  );
}

interface ChoiceButtonsProps<T extends string> {
  label: string;
  value: T;
  onChange: (value: T) => void;
  options: readonly { value: T; label: string }[];
}

/** A few toggle buttons, one of them pressed: a choice between the views of a page. */
export function ChoiceButtons<T extends string>(props: ChoiceButtonsProps<T>) {
  const { label, value, onChange, options } = props;
  return (
    <div className="segmented" role="group" aria-label={label}>
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          className="btn btn-small"
          aria-pressed={value === o.value}
          onClick={() => onChange(o.value)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

/** A form-level error (not tied to one field). */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <div className="form-error" role="alert">
      {message}
    </div>
  );
}

/**
 * A ref for a form whose first field in error takes the focus each time `errors` changes
 * (the server's 422 lands at its field, and the keyboard and screen reader go there).
 */
export function useFocusFirstError(errors: Record<string, string | undefined>) {
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!Object.values(errors).some(Boolean)) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  return formRef;
}
