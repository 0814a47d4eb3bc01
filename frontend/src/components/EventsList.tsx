import type { ReactNode } from "react";
import type { MediaEvent } from "../api/types";
import { eventLabel } from "../lib/events";
import { formatDateTime } from "../lib/format";
import { MediaName } from "./FailedAttempts";
import { Empty, ErrorState, Loading } from "./States";

interface EventsListProps {
  events: readonly MediaEvent[] | undefined;
  error?: unknown;
  onRetry?: () => void;
  timeZone?: string;
  /** Add a column with each event's media (the events of every media). */
  withMedia?: boolean;
  /** Said when there is no event. */
  empty?: ReactNode;
  /** A newer page is loading. */
  busy?: boolean;
}

/** Events, newest first: a media's, or (`withMedia`) those of every media. */
export function EventsList({
  events,
  error,
  onRetry,
  timeZone,
  withMedia = false,
  empty = "No events yet.",
  busy,
}: EventsListProps) {
  if (error) return <ErrorState error={error} onRetry={onRetry} />;
  if (!events) return <Loading label="Loading events" />;
  if (events.length === 0) return <Empty>{empty}</Empty>;
  const sorted = [...events].sort(
    (a, b) => (b.created_at ?? "").localeCompare(a.created_at ?? "") || b.id - a.id,
  );
  return (
    <div className="table-wrap" aria-busy={busy || undefined}>
      <table className="table events-table">
        <caption className="visually-hidden">Events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            {withMedia && <th scope="col">Media</th>}
            <th scope="col">Event</th>
            <th scope="col">Details</th>
            <th scope="col">Video</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((e) => (
            <tr key={e.id} data-event-id={e.id}>
              <td>
                <time dateTime={e.created_at}>{formatDateTime(e.created_at, { timeZone })}</time>
              </td>
              {withMedia && (
                <td data-col="media">
                  <MediaName event={e} />
                </td>
              )}
              <td>
                <span className={`badge badge-event-${e.event_type}`}>
                  {eventLabel(e.event_type)}
                </span>
              </td>
              <td>
                {e.message || "—"}
                {e.reason && <span className="muted"> ({e.reason})</span>}
                {e.source_failed && <span className="muted"> · source failed</span>}
              </td>
              <td>{e.video_id || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
