import { Link } from "react-router-dom";
import { errorMessage } from "../api/client";
import type { QueueItem } from "../api/types";
import { StageProgress } from "../components/StageProgress";
import { Empty, ErrorState, Loading } from "../components/States";
import { useCancelQueued, useQueue } from "../hooks/queries/queue";
import { formatDateTime } from "../lib/format";
import { useTitle } from "../lib/hooks";
import { sourceHref } from "../lib/trailer";

/** The source tried now; before the first try, what the download was asked to use. */
function Source({ item }: { item: QueueItem }) {
  const source = item.source;
  if (!source) {
    const text = item.stage === "queued" ? "Saved trailer, else a search" : "Search";
    return <span className="muted">{text}</span>;
  }
  const href = sourceHref(source);
  return href ? (
    <a href={href} target="_blank" rel="noreferrer" className="source-link">
      {source}
    </a>
  ) : (
    <span>{source}</span>
  );
}

function CancelButton({ item }: { item: QueueItem }) {
  const cancel = useCancelQueued();
  const moving = item.stage === "moving";
  return (
    <>
      <button
        type="button"
        className="btn btn-small btn-danger"
        disabled={moving || item.cancelling || cancel.isPending}
        title={moving ? "The trailer is being moved into place" : undefined}
        aria-label={`Cancel the download of ${item.media_title}`}
        onClick={() => cancel.mutate(item.id)}
      >
        {item.cancelling || cancel.isPending ? "Cancelling…" : "Cancel"}
      </button>
      {cancel.isError && (
        <div className="field-error" role="alert">
          {errorMessage(cancel.error)}
        </div>
      )}
    </>
  );
}

/** Activity: the download queue, live, with each download's stage and a cancel. */
export function ActivityPage() {
  useTitle("Activity");
  const queue = useQueue();
  const items = queue.data ?? [];
  const running = items.filter((item) => item.started_at !== null).length;

  return (
    <section className="page">
      <h1>Activity</h1>
      <p className="muted">
        Trailer downloads waiting and running, whether started by hand or by the download missing
        task. Finished ones are in the <Link to="/history">History</Link>.
      </p>
      {queue.error && !queue.data ? (
        <ErrorState error={queue.error} onRetry={() => void queue.refetch()} />
      ) : !queue.data ? (
        <Loading label="Loading the queue" />
      ) : items.length === 0 ? (
        <Empty>Nothing is downloading. Trailers that are wanted are on the Wanted page.</Empty>
      ) : (
        <>
          <p role="status" className="note">
            {running} running, {items.length - running} waiting
          </p>
          <div className="table-wrap">
            <table className="table queue-table">
              <thead>
                <tr>
                  <th scope="col">Media</th>
                  <th scope="col">Profile</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Source</th>
                  <th scope="col">Started</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.id} data-queue-id={item.id}>
                    <td data-col="media">
                      <Link to={`/media/${item.media_id}`}>{item.media_title}</Link>
                      {item.origin === "engine" && <div className="muted">Download missing</div>}
                    </td>
                    <td>{item.profile_name}</td>
                    <td className="queue-progress">
                      <StageProgress item={item} label={`Progress of ${item.media_title}`} />
                    </td>
                    <td className="queue-source">
                      <Source item={item} />
                    </td>
                    <td>
                      {item.started_at ? (
                        formatDateTime(item.started_at)
                      ) : (
                        <span className="muted">Added {formatDateTime(item.added_at)}</span>
                      )}
                    </td>
                    <td>
                      <CancelButton item={item} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
