import { errorMessage } from "../../api/client";
import { useBulkMonitor, useStartDownloads } from "../../hooks/queries/media";

/** Actions on the selected media: monitor or unmonitor them all in one request, or
 * download their trailers now (the highest-priority profile, each media's saved source or
 * a search). */
export function BulkBar({
  selected,
  onClear,
}: {
  selected: readonly number[];
  onClear: () => void;
}) {
  const bulk = useBulkMonitor();
  const download = useStartDownloads();
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
      <button
        type="button"
        className="btn btn-small"
        disabled={download.isPending}
        onClick={() =>
          // The selection stays, with the result beside it.
          download.mutate(selected.map((mediaId) => ({ mediaId, profileId: null })))
        }
      >
        {download.isPending ? "Starting…" : "Download trailers"}
      </button>
      <button type="button" className="btn-link" onClick={onClear}>
        Clear selection
      </button>
      {download.isSuccess && (
        <span className="note" role="status">
          Started {download.data.started}
          {download.data.busy > 0 && `; ${download.data.busy} already downloading`}
        </span>
      )}
      {download.isError && (
        <span className="field-error" role="alert">
          {errorMessage(download.error)}
        </span>
      )}
      {bulk.isError && (
        <span className="field-error" role="alert">
          {errorMessage(bulk.error)}
        </span>
      )}
    </div>
  );
}
