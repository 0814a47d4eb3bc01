import { useState } from "react";
import { Link } from "react-router-dom";
import type { MediaEvent } from "../api/types";
import { formatDateTime } from "../lib/format";
import { failureReason } from "../lib/history";
import { sourceHref } from "../lib/trailer";
import { Modal } from "./Modal";

/** "Title (Year)"; a removed media's title already carries its year. */
function mediaName(event: MediaEvent): string {
  return event.media_year ? `${event.media_title} (${event.media_year})` : event.media_title;
}

/** The event's media, linked to its page; a removed media's kept title, unlinked. */
export function MediaName({ event }: { event: MediaEvent }) {
  const name = mediaName(event);
  if (event.media_id === null) return <span className="muted">{name}</span>;
  return <Link to={`/media/${event.media_id}`}>{name}</Link>;
}

/** Everything recorded about one failed attempt. */
function FailedAttemptDialog({ event, onClose }: { event: MediaEvent; onClose: () => void }) {
  const source = event.video_id ?? "";
  const href = sourceHref(source);
  return (
    <Modal title={`Failed attempt: ${mediaName(event)}`} onClose={onClose}>
      <dl className="facts">
        <div className="fact">
          <dt>When</dt>
          <dd>
            <time dateTime={event.created_at}>{formatDateTime(event.created_at)}</time>
          </dd>
        </div>
        <div className="fact">
          <dt>Media</dt>
          <dd>
            <MediaName event={event} />
          </dd>
        </div>
        {source && href !== source && (
          <div className="fact">
            <dt>Video id</dt>
            <dd>
              <code>{source}</code>
            </dd>
          </div>
        )}
        <div className="fact fact-wide">
          <dt>Address</dt>
          <dd>
            {href ? (
              <a href={href} target="_blank" rel="noopener noreferrer">
                {href}
                <span className="visually-hidden"> (opens in a new tab)</span>
              </a>
            ) : (
              "—"
            )}
          </dd>
        </div>
        <div className="fact fact-wide">
          <dt>Source marked unusable</dt>
          <dd>
            {event.source_failed
              ? "Yes: automatic searches skip this source from now on."
              : "No: a later search may try this source again."}
          </dd>
        </div>
        <div className="fact fact-wide">
          <dt>Message</dt>
          <dd className="fact-message">{event.message || "—"}</dd>
        </div>
      </dl>
    </Modal>
  );
}

interface FailedAttemptsTableProps {
  events: readonly MediaEvent[];
  busy?: boolean;
}

/**
 * Failed download attempts, newest first. Each row's "Details" button opens a dialog with
 * everything recorded about the attempt; closing it (Escape, the backdrop, ×) gives the
 * focus back to the button.
 */
export function FailedAttemptsTable({ events, busy }: FailedAttemptsTableProps) {
  const [shown, setShown] = useState<MediaEvent | null>(null);
  return (
    <>
      <div className="table-wrap" aria-busy={busy || undefined}>
        <table className="table failed-table">
          <caption className="visually-hidden">Failed download attempts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Media</th>
              <th scope="col">Source</th>
              <th scope="col">Reason</th>
              <th scope="col" className="cell-actions">
                <span className="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => {
              const when = formatDateTime(e.created_at);
              return (
                <tr key={e.id} data-event-id={e.id}>
                  <td data-col="created_at">
                    <time dateTime={e.created_at}>{when}</time>
                  </td>
                  <td data-col="media">
                    <MediaName event={e} />
                  </td>
                  <td data-col="source" className="cell-file">
                    {e.video_id || "—"}
                    {e.source_failed && <span className="muted"> · unusable</span>}
                  </td>
                  <td data-col="reason" className="cell-reason">
                    <span className="clamp">{failureReason(e)}</span>
                  </td>
                  <td className="cell-actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      aria-haspopup="dialog"
                      aria-expanded={shown?.id === e.id}
                      onClick={() => setShown(e)}
                    >
                      Details
                      <span className="visually-hidden">
                        {" "}
                        of the attempt for {mediaName(e)} at {when}
                      </span>
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {shown && <FailedAttemptDialog event={shown} onClose={() => setShown(null)} />}
    </>
  );
}
