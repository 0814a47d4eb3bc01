import type { HistoryQuery, HistorySortKey, MediaEvent, SortOrder } from "../api/types";
import type { EventListQuery } from "../hooks/queries/events";
import { isEventSource, isEventType } from "./events";

export const HISTORY_SORT_KEYS: readonly HistorySortKey[] = [
  "added_at",
  "size",
  "duration",
  "file_name",
  "resolution",
];

export const DEFAULT_PAGE_SIZE = 25;

/**
 * What the History page lists: downloaded trailers, failed attempts (`show=failed`) or
 * every event (`show=events`, filtered by `type`, repeated for several, and `source`).
 */
export type HistoryView = "trailers" | "failed" | "events";

/** The filters that both the table and the export links use. */
export type HistoryFilters = Omit<HistoryQuery, "page" | "page_size" | "sort" | "order">;

/** A local calendar date ("2024-05-01") as the instant its day starts, in ISO UTC. */
export function localDayStart(day: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T00:00:00`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Read the history's state from the page URL. */
export function historyFromParams(params: URLSearchParams): {
  query: HistoryQuery;
  since: string;
  search: string;
  view: HistoryView;
  failed: EventListQuery;
  events: EventListQuery;
} {
  const sortParam = params.get("sort") as HistorySortKey | null;
  const sort = sortParam && HISTORY_SORT_KEYS.includes(sortParam) ? sortParam : "added_at";
  const order: SortOrder = params.get("order") === "asc" ? "asc" : "desc";
  const query: HistoryQuery = {
    page: Math.max(1, Number(params.get("page")) || 1),
    page_size: Number(params.get("size")) || DEFAULT_PAGE_SIZE,
    sort,
    order,
  };
  const exists = params.get("file_exists");
  if (exists === "true" || exists === "false") query.file_exists = exists === "true";
  for (const key of ["video_format", "audio_format", "resolution"] as const) {
    const v = params.get(key);
    if (v) query[key] = v;
  }
  for (const key of ["profile_id", "media_id"] as const) {
    const v = Number(params.get(key));
    if (params.get(key) !== null && Number.isInteger(v)) query[key] = v;
  }
  const since = params.get("since") ?? "";
  const sinceIso = localDayStart(since);
  if (sinceIso) query.since = sinceIso;
  const search = params.get("q") ?? "";
  if (search) query.q = search;
  const show = params.get("show");
  const view: HistoryView = show === "failed" || show === "events" ? show : "trailers";
  const events = eventsQuery(query);
  const types = [...new Set(params.getAll("type").filter(isEventType))];
  if (types.length > 0) events.event_type = types;
  const source = params.get("source") ?? "";
  if (isEventSource(source)) events.source = source;
  return {
    query,
    since,
    search,
    view,
    failed: { ...eventsQuery(query), event_type: ["download_failed"] },
    events,
  };
}

/** An events query with the history's paging and the filters that events have. */
function eventsQuery(query: HistoryQuery): EventListQuery {
  const events: EventListQuery = { page: query.page, page_size: query.page_size };
  if (query.media_id !== undefined) events.media_id = query.media_id;
  if (query.since) events.since = query.since;
  if (query.q) events.q = query.q;
  return events;
}

/**
 * Why a download attempt failed, in short: the event's reason, else its message without the
 * "Download from <source> failed: " that the source column already says.
 */
export function failureReason(event: Pick<MediaEvent, "message" | "reason">): string {
  if (event.reason) return event.reason;
  const match = /^Download from .+? failed: ([\s\S]+)$/.exec(event.message ?? "");
  return match?.[1]?.trim() || event.message || "—";
}

/** Query string for the export route: the same filters, no paging. */
export function exportHref(format: "csv" | "json", query: HistoryQuery): string {
  const params = new URLSearchParams({ format });
  const { page: _p, page_size: _s, ...filters } = query;
  for (const [k, v] of Object.entries(filters)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  return `/api/v1/downloads/export?${params.toString()}`;
}
