import { errorMessage } from "../../api/client";
import { useRunTask, useTask } from "../../hooks/queries/tasks";

/** "Refresh library": runs the `sync` task now and shows while it runs. */
export function RefreshLibraryButton() {
  const task = useTask("sync");
  const run = useRunTask("sync");
  const running = Boolean(task.data?.running) || run.isPending;
  const lastError = task.data?.last_error;
  const problem = run.isError
    ? errorMessage(run.error)
    : lastError
      ? `The last refresh failed: ${lastError}`
      : null;
  return (
    <span className="refresh-library">
      <button
        type="button"
        className="btn"
        onClick={() => run.mutate()}
        disabled={running}
        aria-busy={running || undefined}
      >
        {running && <span className="spinner" aria-hidden="true" />}
        {running ? "Refreshing…" : "Refresh library"}
      </button>
      {problem && !running && (
        <span className="field-error" role="alert">
          {problem}
        </span>
      )}
    </span>
  );
}
