// The parts that the Settings dialogs and lists share: a dialog's Test/Cancel/Save footer,
// what a refused save says, and a row's Edit/Delete buttons.
import type { ReactNode } from "react";
import { ApiError, errorMessage, type FieldErrors } from "../api/client";

interface FooterProps {
  /** The form the Save button submits. */
  formId: string;
  onTest: () => void;
  testing: boolean;
  onCancel: () => void;
  saving: boolean;
  /** What the Save button says while it works ("Saving…"). */
  savingLabel?: string;
}

/** Test, Cancel and Save: the footer of a dialog whose settings can be tested first. */
export function TestSaveFooter({
  formId,
  onTest,
  testing,
  onCancel,
  saving,
  savingLabel = "Saving…",
}: FooterProps) {
  return (
    <>
      <button
        type="button"
        className="btn"
        onClick={onTest}
        disabled={testing}
        aria-describedby={`${formId}-test`}
      >
        {testing ? "Testing…" : "Test"}
      </button>
      <button type="button" className="btn" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" form={formId} className="btn btn-primary" disabled={saving}>
        {saving ? savingLabel : "Save"}
      </button>
    </>
  );
}

/** A refused save, shown on its fields (a 422's) and above the form. */
export function saveFailed(
  setErrors: (errors: FieldErrors) => void,
  setFormError: (message: string) => void,
): (err: unknown) => void {
  return (err) => {
    if (err instanceof ApiError && err.status === 422) {
      setErrors(err.fieldErrors);
      setFormError(
        Object.keys(err.fieldErrors).length > 0 && err.message.startsWith("Please correct")
          ? err.message
          : `Not saved: ${err.message}`,
      );
    } else {
      setFormError(`Not saved: ${errorMessage(err)}`);
    }
  };
}

interface RowActionsProps {
  /** The row's name, in the buttons' accessible names ("Edit Discord"). */
  name: string;
  onEdit: () => void;
  onDelete: () => void;
  /** Buttons before Edit (a Test, a Refresh). */
  children?: ReactNode;
}

/** A settings table row's last cell: its own buttons, then Edit and Delete. */
export function RowActions({ name, onEdit, onDelete, children }: RowActionsProps) {
  return (
    <td className="cell-actions">
      <div className="actions">
        {children}
        <button
          type="button"
          className="btn btn-small"
          aria-label={`Edit ${name}`}
          onClick={onEdit}
        >
          Edit
        </button>
        <button
          type="button"
          className="btn btn-small btn-danger"
          aria-label={`Delete ${name}`}
          onClick={onDelete}
        >
          Delete
        </button>
      </div>
    </td>
  );
}
