import { errorMessage } from "../api/client";

interface Props {
  /** The test request failed (no answer, or a 4xx). */
  error?: unknown;
  /** The test's answer: `ok`, or the `error` that the server met. */
  result?: { ok: boolean; error?: string | null } | undefined;
  /** Said when the test passed: "Connected: Radarr 5.2.6". */
  okText: string;
}

/** The outcome of a Test button: what passed, or why not (announced either way). */
export function CheckResult({ error, result, okText }: Props) {
  if (error) {
    return (
      <div className="form-error" role="alert">
        Test failed: {errorMessage(error)}
      </div>
    );
  }
  if (!result) return null;
  if (!result.ok) {
    return (
      <div className="form-error" role="alert">
        Test failed: {result.error ?? "no reason given"}
      </div>
    );
  }
  return (
    <p className="note" role="status">
      {okText}
    </p>
  );
}

interface TestButtonProps extends Props {
  /** The button's accessible name: "Test Discord". */
  label: string;
  pending: boolean;
  onTest: () => void;
}

/** A table row's Test button, with the outcome beside it in short. */
export function RowTestButton({ label, pending, onTest, error, result, okText }: TestButtonProps) {
  const failure = error
    ? errorMessage(error)
    : result && !result.ok
      ? (result.error ?? "no reason given")
      : null;
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        aria-label={label}
        disabled={pending}
        onClick={onTest}
      >
        {pending ? "Testing…" : "Test"}
      </button>
      {!error && result?.ok && (
        <span className="note" role="status">
          {okText}
        </span>
      )}
      {failure && (
        <span className="field-error" role="alert">
          Test failed: {failure}
        </span>
      )}
    </>
  );
}
