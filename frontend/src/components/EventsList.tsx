import type { EventType, MediaEvent } from "../api/types";
import { formatDateTime } from "../lib/format";
import { Empty, ErrorState, Loading } from "./States";

/** A label for every event type the backend has (the compiler checks that none is missing). */
const EVENT_LABEL: Record<EventType, string> = {
  downloaded: "Downloaded",
  download_failed: "Download failed",
  download_interrupted: "Download interrupted",
  deleted: "Deleted",
  restored: "Restored",
  renamed: "Renamed",
  discovered: "Discovered",
  media_removed: "Removed from the library",
};

export function eventLabel(type: string): string {
  return EVENT_LABEL[type as EventType] ?? type.replaceAll("_", " ");
}

interface EventsListProps {
  events: readonly MediaEvent[] | undefined;
  error?: unknown;
  onRetry?: () => void;
  timeZone?: string;
}

/** A media's events, newest first. */
export function EventsList({ events, error, onRetry, timeZone }: EventsListProps) {
  if (error) return <ErrorState error={error} onRetry={onRetry} />;
  if (!events) return <Loading label="Loading events" />;
  if (events.length === 0) return <Empty>No events yet.</Empty>;
  const sorted = [...events].sort(
    (a, b) => (b.created_at ?? "").localeCompare(a.created_at ?? "") || b.id - a.id,
  );
  return (
    <div className="table-wrap">
      <table className="table events-table">
        <caption className="visually-hidden">Events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
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
