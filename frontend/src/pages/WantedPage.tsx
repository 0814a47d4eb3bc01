import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { errorMessage } from "../api/client";
import { Pagination } from "../components/Pagination";
import { Empty, ErrorState, Loading } from "../components/States";
import { useStartDownloads } from "../hooks/queries/media";
import { useWanted, type WantedItem } from "../hooks/queries/wanted";
import { formatDateTime } from "../lib/format";
import { useTitle } from "../lib/hooks";

const SOURCES: Record<WantedItem["source"], string> = {
  trailer_url: "Saved URL",
  youtube_id: "YouTube id",
  search: "Search",
};

const key = (item: WantedItem) => `${item.media_id}:${item.profile_id}`;

function When({ item }: { item: WantedItem }) {
  if (item.downloading)
    return (
      <span className="badge badge-downloading" role="status">
        Downloading…
      </span>
    );
  if (item.attempts === 0) return <span className="muted">Next run</span>;
  const failed = `${item.attempts} failed attempt${item.attempts === 1 ? "" : "s"}`;
  return (
    <>
      {item.due ? "Next run" : `After ${formatDateTime(item.next_attempt_at)}`}
      <div className="muted">{failed}</div>
      {item.last_error && (
        <div className="field-error wanted-error" data-col="last_error">
          {item.last_error}
        </div>
      )}
    </>
  );
}

/** Wanted: the trailers monitored media still lack, and what the engine will do. */
export function WantedPage() {
  useTitle("Wanted");
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get("page")) || 1);
  const pageSize = Number(params.get("size")) || 50;
  const due = params.get("due");
  const query = {
    page,
    page_size: pageSize,
    ...(due === "true" || due === "false" ? { due: due === "true" } : {}),
  };
  const wanted = useWanted(query);
  const search = useStartDownloads();
  const searchNow = (items: readonly WantedItem[], done?: () => void) =>
    search.mutate(
      items.map((item) => ({ mediaId: item.media_id, profileId: item.profile_id })),
      { onSuccess: done },
    );
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) next.delete(name);
      else next.set(name, value);
    }
    setParams(next);
    setSelected(new Set());
  };
  const records = wanted.data?.records ?? [];
  const chosen = records.filter((item) => selected.has(key(item)));
  const allChosen = records.length > 0 && chosen.length === records.length;
  const toggle = (item: WantedItem) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(key(item))) next.delete(key(item));
      else next.add(key(item));
      return next;
    });

  return (
    <section className="page">
      <h1>Wanted</h1>
      <p className="muted">
        Monitored media without a trailer from a profile that applies to them. The download missing
        task gets them on its own; &quot;Search now&quot; does it at once and ignores the wait after
        a failure.
      </p>
      <div className="toolbar">
        <label>
          Show{" "}
          <select
            aria-label="Show"
            value={due ?? ""}
            onChange={(event) => update({ due: event.target.value || null, page: null })}
          >
            <option value="">Everything wanted</option>
            <option value="true">Tried at the next run</option>
            <option value="false">Waiting after a failure, or downloading</option>
          </select>
        </label>
        <button
          type="button"
          className="btn btn-primary"
          disabled={chosen.length === 0 || search.isPending}
          onClick={() => searchNow(chosen, () => setSelected(new Set()))}
        >
          Search selected ({chosen.length})
        </button>
        {search.isSuccess && (
          <span className="note" role="status">
            Started {search.data.started}
            {search.data.busy > 0 && `; ${search.data.busy} already downloading`}
          </span>
        )}
        {search.isError && (
          <span className="field-error" role="alert">
            {errorMessage(search.error)}
          </span>
        )}
      </div>
      {wanted.error && !wanted.data ? (
        <ErrorState error={wanted.error} onRetry={() => void wanted.refetch()} />
      ) : !wanted.data ? (
        <Loading label="Loading wanted trailers" />
      ) : wanted.data.total === 0 ? (
        <Empty>Nothing wanted: every monitored media has its trailers.</Empty>
      ) : (
        <>
          <div className="table-wrap" aria-busy={wanted.isFetching || undefined}>
            <table className="table wanted-table">
              <caption className="visually-hidden">Wanted trailers</caption>
              <thead>
                <tr>
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select the whole page"
                      checked={allChosen}
                      onChange={() =>
                        setSelected(allChosen ? new Set() : new Set(records.map(key)))
                      }
                    />
                  </th>
                  <th scope="col">Media</th>
                  <th scope="col">Profile</th>
                  <th scope="col">Source</th>
                  <th scope="col">When</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {records.map((item) => (
                  <tr key={key(item)} data-wanted={key(item)}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${item.title} with ${item.profile_name}`}
                        checked={selected.has(key(item))}
                        onChange={() => toggle(item)}
                      />
                    </td>
                    <td>
                      <Link to={`/media/${item.media_id}`}>{item.title}</Link>{" "}
                      <span className="muted">
                        ({item.year}, {item.is_movie ? "movie" : "series"})
                      </span>
                    </td>
                    <td>{item.profile_name}</td>
                    <td>{SOURCES[item.source]}</td>
                    <td data-col="when">
                      <When item={item} />
                    </td>
                    <td className="cell-actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={`Search now for ${item.title} with ${item.profile_name}`}
                        disabled={search.isPending || item.downloading}
                        onClick={() => searchNow([item])}
                      >
                        Search now
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            page={page}
            pageSize={pageSize}
            total={wanted.data.total}
            onPage={(next) => update({ page: String(next) })}
            onPageSize={(size) => update({ size: String(size), page: null })}
            label="Wanted pages"
          />
        </>
      )}
    </section>
  );
}
