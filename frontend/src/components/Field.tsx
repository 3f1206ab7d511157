import { useId, type ReactElement, type ReactNode, cloneElement } from "react";

interface FieldProps {
  label: string;
  error?: string;
  hint?: string;
  optional?: boolean;
  children: ReactElement<Record<string, unknown>>;
}

export const inputClasses =
  "block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-base text-slate-900 " +
  "focus:border-teal-700 focus:outline-2 focus:outline-teal-700 disabled:bg-slate-100 " +
  "aria-[invalid=true]:border-red-700";

/** A labelled control with its hint and error wired to it through aria attributes. */
export function Field({ label, error, hint, optional, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;

  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
        {optional && <span className="font-normal text-slate-600"> (optional)</span>}
      </label>
      {hint && (
        <p id={hintId} className="text-sm text-slate-600">
          {hint}
        </p>
      )}
      {cloneElement(children, {
        id,
        "aria-invalid": error ? true : undefined,
        "aria-describedby": describedBy,
      })}
      {error && <FieldError id={errorId}>{error}</FieldError>}
    </div>
  );
}

export function FieldError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} className="text-sm font-medium text-red-800">
      {children}
    </p>
  );
}
