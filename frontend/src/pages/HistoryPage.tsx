import { useState } from "react";
import { Link } from "react-router-dom";
import type { CountByKey, HistorySortKey } from "../api/types";
import { FileStateCell, ProfileCell } from "../components/DownloadCells";
import { EventsList } from "../components/EventsList";
import { FailedAttemptsTable } from "../components/FailedAttempts";
import { CheckboxGroup, ChoiceButtons, SelectField, TextField } from "../components/Fields";
import { Pagination } from "../components/Pagination";
import { SortableHeader, type SortState } from "../components/SortableHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { useDownloadStats, useHistory } from "../hooks/queries/downloads";
import { useEvents, type EventListQuery } from "../hooks/queries/events";
import { useProfiles } from "../hooks/queries/profiles";
import { EVENT_SOURCES, EVENT_TYPES, eventLabel } from "../lib/events";
import { formatDateTime, formatDuration, formatResolution, formatSize } from "../lib/format";
import { exportHref, historyFromParams, type HistoryView } from "../lib/history";
import { useQueryState, useSearchBox, useTitle, type QueryChanges } from "../lib/hooks";

const PRESENCE_OPTIONS = [
  { value: "", label: "Present and deleted" },
  { value: "true", label: "Present" },
  { value: "false", label: "Deleted" },
] as const;

const VIEW_OPTIONS = [
  { value: "trailers", label: "Trailers" },
  { value: "failed", label: "Failed attempts" },
  { value: "events", label: "Events" },
] as const satisfies readonly { value: HistoryView; label: string }[];

const TYPE_OPTIONS = EVENT_TYPES.map((value) => ({ value, label: eventLabel(value) }));

const SOURCE_OPTIONS = [{ value: "", label: "Any source" }, ...EVENT_SOURCES];

const PAGE_SIZES = [10, 25, 50, 100] as const;

/** The URL keys that "Clear filters" keeps: the view, the order and the page size. */
const KEPT_KEYS = ["show", "sort", "order", "size"] as const;

const FIRST_ORDER: Record<HistorySortKey, "asc" | "desc"> = {
  added_at: "desc",
  size: "desc",
  duration: "desc",
  file_name: "asc",
  resolution: "desc",
};

function keyOptions(anyLabel: string, counts: readonly CountByKey[] | undefined, current: string) {
  const options = [{ value: "", label: anyLabel }];
  const keys = (counts ?? []).map((c) => c.key).filter(Boolean);
  if (current && !keys.includes(current)) keys.push(current);
  for (const key of keys) options.push({ value: key, label: key });
  return options;
}

interface FailedAttemptsProps {
  query: EventListQuery;
  filtered: boolean;
  update: (changes: QueryChanges, resetPage?: boolean) => void;
}

/** The failed download attempts (`download_failed` events), paged like the downloads. */
function FailedAttempts({ query, filtered, update }: FailedAttemptsProps) {
  const attempts = useEvents(query);
  if (attempts.error && !attempts.data) {
    return <ErrorState error={attempts.error} onRetry={() => void attempts.refetch()} />;
  }
  if (!attempts.data) return <Loading label="Loading failed attempts" />;
  if (attempts.data.total === 0) {
    return (
      <Empty>
        {filtered ? "No failed attempt matches these filters." : "No download attempt has failed."}
      </Empty>
    );
  }
  return (
    <>
      <FailedAttemptsTable events={attempts.data.records} busy={attempts.isFetching} />
      <Pagination
        page={query.page ?? 1}
        pageSize={query.page_size ?? 25}
        total={attempts.data.total}
        onPage={(p) => update({ page: p }, false)}
        onPageSize={(s) => update({ size: s })}
        sizes={PAGE_SIZES}
        label="Failed attempt pages"
      />
    </>
  );
}

/** Every media's events, filtered by type and source too; live messages refetch them. */
function EventsFeed({ query, filtered, update }: FailedAttemptsProps) {
  const events = useEvents(query);
  return (
    <>
      <EventsList
        events={events.data?.records}
        error={events.error && !events.data ? events.error : undefined}
        onRetry={() => void events.refetch()}
        withMedia
        busy={events.isFetching}
        empty={filtered ? "No event matches these filters." : "Nothing has happened yet."}
      />
      {events.data && events.data.total > 0 && (
        <Pagination
          page={query.page ?? 1}
          pageSize={query.page_size ?? 25}
          total={events.data.total}
          onPage={(p) => update({ page: p }, false)}
          onPageSize={(s) => update({ size: s })}
          sizes={PAGE_SIZES}
          label="Event pages"
        />
      )}
    </>
  );
}

export function HistoryPage() {
  useTitle("History");
  const [params, update, setParams] = useQueryState();
  const { query, since, view, failed, events } = historyFromParams(params);
  const showFailed = view === "failed";
  const showEvents = view === "events";
  const showTrailers = view === "trailers";
  const [search, setSearch] = useSearchBox(params, update);
  const [filtersOpen, setFiltersOpen] = useState(false);
  const profiles = useProfiles();
  const stats = useDownloadStats();
  const history = useHistory(query, showTrailers);

  const sort: SortState<HistorySortKey> = {
    key: query.sort ?? "added_at",
    order: query.order ?? "desc",
  };
  const onSort = (next: SortState<HistorySortKey>) => update({ sort: next.key, order: next.order });
  const shared = [query.media_id !== undefined, query.since, query.q];
  const activeFilters = (
    showFailed
      ? shared
      : showEvents
        ? [...shared, events.event_type?.length, events.source]
        : [
            ...shared,
            query.file_exists !== undefined,
            query.video_format,
            query.audio_format,
            query.resolution,
            query.profile_id !== undefined,
          ]
  ).filter(Boolean).length;
  const filtered = activeFilters > 0;

  const profileOptionsList = [
    { value: "", label: "Any profile" },
    { value: "0", label: "Unknown profile" },
    ...(profiles.data ?? []).map((p) => ({ value: String(p.id), label: p.name })),
  ];

  return (
    <section className="page">
      <header className="page-header">
        <h1>History</h1>
        {showTrailers && (
          <div className="button-row">
            <a className="btn" href={exportHref("csv", query)} download>
              Export CSV
            </a>
            <a className="btn" href={exportHref("json", query)} download>
              Export JSON
            </a>
          </div>
        )}
      </header>
      <div className="view-choice">
        <ChoiceButtons
          label="Show"
          value={view}
          onChange={(v) => update({ show: v === "trailers" ? null : v })}
          options={VIEW_OPTIONS}
        />
      </div>
      <button
        type="button"
        className="btn filters-toggle"
        aria-expanded={filtersOpen}
        aria-controls="history-filters"
        onClick={() => setFiltersOpen((open) => !open)}
      >
        {filtersOpen ? "Hide filters" : "Filters"}
        {activeFilters > 0 && <span className="count">{activeFilters}</span>}
      </button>
      <form
        id="history-filters"
        className={`toolbar toolbar-wrap toolbar-collapsible ${filtersOpen ? "is-open" : ""}`}
        role="search"
        aria-label="History filters"
        onSubmit={(e) => e.preventDefault()}
      >
        <TextField
          label="Search"
          name="q"
          type="search"
          value={search}
          onChange={setSearch}
          placeholder={showTrailers ? "Title, file or video id" : "Title or video id"}
        />
        {showEvents && (
          <>
            <SelectField
              label="Source"
              name="source"
              value={events.source ?? ""}
              onChange={(v) => update({ source: v })}
              options={SOURCE_OPTIONS}
            />
            <CheckboxGroup
              label="Event types"
              name="type"
              values={events.event_type ?? []}
              onChange={(types) => update({ type: types })}
              options={TYPE_OPTIONS}
              hint="None checked: every type."
            />
          </>
        )}
        {showTrailers && (
          <>
            <SelectField
              label="File"
              name="file_exists"
              value={query.file_exists === undefined ? "" : String(query.file_exists)}
              onChange={(v) => update({ file_exists: v })}
              options={PRESENCE_OPTIONS}
            />
            <SelectField
              label="Video codec"
              name="video_format"
              value={query.video_format ?? ""}
              onChange={(v) => update({ video_format: v })}
              options={keyOptions(
                "Any video codec",
                stats.data?.by_video_format,
                query.video_format ?? "",
              )}
            />
            <SelectField
              label="Audio codec"
              name="audio_format"
              value={query.audio_format ?? ""}
              onChange={(v) => update({ audio_format: v })}
              options={keyOptions(
                "Any audio codec",
                stats.data?.by_audio_format,
                query.audio_format ?? "",
              )}
            />
            <SelectField
              label="Resolution"
              name="resolution"
              value={query.resolution ?? ""}
              onChange={(v) => update({ resolution: v })}
              options={keyOptions(
                "Any resolution",
                stats.data?.by_resolution,
                query.resolution ?? "",
              )}
            />
            <SelectField
              label="Profile"
              name="profile_id"
              value={query.profile_id === undefined ? "" : String(query.profile_id)}
              onChange={(v) => update({ profile_id: v })}
              options={profileOptionsList}
            />
          </>
        )}
        <TextField
          label="Since"
          name="since"
          type="date"
          value={since}
          onChange={(v) => update({ since: v })}
        />
        {filtered && (
          <div className="field field-button">
            <button
              type="button"
              className="btn"
              onClick={() => {
                const next = new URLSearchParams();
                for (const k of KEPT_KEYS) {
                  const v = params.get(k);
                  if (v) next.set(k, v);
                }
                setParams(next);
              }}
            >
              Clear filters
            </button>
          </div>
        )}
      </form>
      {query.media_id !== undefined && (
        <p className="note">
          Showing one media item's{" "}
          {showFailed ? "failed attempts" : showEvents ? "events" : "downloads"}.{" "}
          <button type="button" className="btn-link" onClick={() => update({ media_id: null })}>
            Show all
          </button>
        </p>
      )}
      {showFailed ? (
        <FailedAttempts query={failed} filtered={filtered} update={update} />
      ) : showEvents ? (
        <EventsFeed query={events} filtered={filtered} update={update} />
      ) : history.error && !history.data ? (
        <ErrorState error={history.error} onRetry={() => void history.refetch()} />
      ) : !history.data ? (
        <Loading label="Loading history" />
      ) : history.data.total === 0 ? (
        <Empty>
          {filtered ? "No download matches these filters." : "No trailer has been downloaded yet."}
        </Empty>
      ) : (
        <>
          <div className="table-wrap" aria-busy={history.isFetching || undefined}>
            <table className="table history-table">
              <caption className="visually-hidden">Download history</caption>
              <thead>
                <tr>
                  <SortableHeader
                    label="Downloaded"
                    column="added_at"
                    sort={sort}
                    onSort={onSort}
                    firstOrder={FIRST_ORDER.added_at}
                  />
                  <th scope="col">Media</th>
                  <SortableHeader
                    label="File"
                    column="file_name"
                    sort={sort}
                    onSort={onSort}
                    firstOrder={FIRST_ORDER.file_name}
                  />
                  <SortableHeader
                    label="Resolution"
                    column="resolution"
                    sort={sort}
                    onSort={onSort}
                    firstOrder={FIRST_ORDER.resolution}
                  />
                  <th scope="col">Video</th>
                  <th scope="col">Audio</th>
                  <SortableHeader
                    label="Duration"
                    column="duration"
                    sort={sort}
                    onSort={onSort}
                    firstOrder={FIRST_ORDER.duration}
                    className="num"
                  />
                  <SortableHeader
                    label="Size"
                    column="size"
                    sort={sort}
                    onSort={onSort}
                    firstOrder={FIRST_ORDER.size}
                    className="num"
                  />
                  <th scope="col">Profile</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {history.data.records.map((r) => (
                  <tr
                    key={r.id}
                    data-download-id={r.id}
                    className={r.file_exists ? "" : "row-deleted"}
                  >
                    <td data-col="added_at">
                      <time dateTime={r.added_at}>{formatDateTime(r.added_at)}</time>
                    </td>
                    <td data-col="media">
                      <Link to={`/media/${r.media_id}`}>
                        {r.media_title}
                        {r.media_year ? ` (${r.media_year})` : ""}
                      </Link>
                    </td>
                    <td data-col="file_name" className="cell-file" title={r.path}>
                      {r.file_name}
                    </td>
                    <td data-col="resolution">{formatResolution(r.resolution)}</td>
                    <td data-col="video_format">{r.video_format || "—"}</td>
                    <td data-col="audio_format">{r.audio_format || "—"}</td>
                    <td data-col="duration" className="num">
                      {formatDuration(r.duration)}
                    </td>
                    <td data-col="size" className="num" title={`${r.size} bytes`}>
                      {formatSize(r.size)}
                    </td>
                    <td data-col="profile">
                      <ProfileCell
                        profileId={r.profile_id}
                        profiles={profiles.data}
                        name={r.profile_name}
                      />
                    </td>
                    <td data-col="state">
                      <FileStateCell download={r} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            page={query.page ?? 1}
            pageSize={query.page_size ?? 25}
            total={history.data.total}
            onPage={(p) => update({ page: p }, false)}
            onPageSize={(s) => update({ size: s })}
            sizes={PAGE_SIZES}
            label="History pages"
          />
        </>
      )}
    </section>
  );
}
