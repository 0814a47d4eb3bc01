import { errorMessage } from "../../api/client";
import { useBulkMonitor } from "../../hooks/queries/media";

/** Actions on the selected media: monitor or unmonitor them all in one request. */
export function BulkBar({
  selected,
  onClear,
}: {
  selected: readonly number[];
  onClear: () => void;
}) {
  const bulk = useBulkMonitor();
  if (selected.length === 0) return null;
  const run = (monitor: boolean) =>
    bulk.mutate({ ids: [...selected], monitor }, { onSuccess: () => onClear() });
  return (
    <div className="bulk-bar" role="region" aria-label="Selected media">
      <span>
        <strong>{selected.length}</strong> selected
      </span>
      <button
        type="button"
        className="btn btn-small"
        disabled={bulk.isPending}
        onClick={() => run(true)}
      >
        Monitor
      </button>
      <button
        type="button"
        className="btn btn-small"
        disabled={bulk.isPending}
        onClick={() => run(false)}
      >
        Unmonitor
      </button>
      <button type="button" className="btn-link" onClick={onClear}>
        Clear selection
      </button>
      {bulk.isError && (
        <span className="field-error" role="alert">
          {errorMessage(bulk.error)}
        </span>
      )}
    </div>
  );
}
