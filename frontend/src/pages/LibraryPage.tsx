import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, call } from "../api/client";
import type { MediaStatus } from "../api/types";
import { PresenceBadge, StatusBadge } from "../components/Badges";
import { SelectField, TextField } from "../components/Fields";
import { MediaForm } from "../components/MediaForm";
import { Modal } from "../components/Modal";
import { Pagination } from "../components/Pagination";
import { SortableHeader, type SortState } from "../components/SortableHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { formatDate } from "../lib/format";
import { useAsync, useDebounced, useQueryState, useTitle } from "../lib/hooks";

type LibrarySort = "title" | "year" | "status" | "added_at";

const TYPE_OPTIONS = [
  { value: "", label: "Movies and series" },
  { value: "movie", label: "Movies" },
  { value: "series", label: "Series" },
] as const;

const STATUS_OPTIONS = [
  { value: "", label: "Any status" },
  { value: "missing", label: "Missing" },
  { value: "downloading", label: "Downloading" },
  { value: "downloaded", label: "Downloaded" },
  { value: "monitored", label: "Monitored" },
] as const;

const PAGE_SIZES = [25, 50, 100, 250] as const;

export function LibraryPage() {
  useTitle("Library");
  const [params, update] = useQueryState();
  const navigate = useNavigate();
  const page = Math.max(1, Number(params.get("page")) || 1);
  const pageSize = Number(params.get("size")) || 50;
  const type = params.get("type") ?? "";
  const status = params.get("status") ?? "";
  const [search, setSearch] = useState(params.get("q") ?? "");
  const query = useDebounced(search.trim(), 300);
  const sortKey = (params.get("sort") as LibrarySort | null) ?? "title";
  const sort: SortState<LibrarySort> = {
    key: sortKey,
    order: params.get("order") === "desc" ? "desc" : "asc",
  };
  const setSort = (next: SortState<LibrarySort>) => update({ sort: next.key, order: next.order });
  const [adding, setAdding] = useState(false);

  // The search box writes to the URL once typing pauses.
  useEffect(() => {
    if ((params.get("q") ?? "") !== query) update({ q: query });
  }, [query]);

  const media = useAsync(
    () =>
      call(
        api.GET("/api/v1/media", {
          params: {
            query: {
              page,
              page_size: pageSize,
              search: query || undefined,
              is_movie: type === "" ? undefined : type === "movie",
              status: (status || undefined) as MediaStatus | undefined,
              sort: sort.key,
              order: sort.order,
            },
          },
        }),
      ),
    [page, pageSize, query, type, status, sort.key, sort.order],
  );

  const rows = media.data?.records ?? [];

  return (
    <section className="page">
      <header className="page-header">
        <h1>Library</h1>
        <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
          Add media
        </button>
      </header>
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <TextField
          label="Search titles"
          name="search"
          type="search"
          value={search}
          onChange={setSearch}
          placeholder="Search…"
        />
        <SelectField
          label="Type"
          name="type"
          value={type}
          onChange={(v) => update({ type: v })}
          options={TYPE_OPTIONS}
        />
        <SelectField
          label="Status"
          name="status"
          value={status}
          onChange={(v) => update({ status: v })}
          options={STATUS_OPTIONS}
        />
      </form>
      {media.error ? (
        <ErrorState error={media.error} onRetry={media.reload} />
      ) : !media.data ? (
        <Loading label="Loading library" />
      ) : media.data.total === 0 ? (
        <Empty>
          {query || type || status
            ? "Nothing matches these filters."
            : "The library is empty. Add a movie or series to get started."}
        </Empty>
      ) : (
        <>
          <div className="table-wrap" aria-busy={media.loading || undefined}>
            <table className="table">
              <caption className="visually-hidden">
                Media, sorted on the server by the chosen column
              </caption>
              <thead>
                <tr>
                  <SortableHeader label="Title" column="title" sort={sort} onSort={setSort} />
                  <SortableHeader
                    label="Year"
                    column="year"
                    sort={sort}
                    onSort={setSort}
                    firstOrder="desc"
                  />
                  <th scope="col">Type</th>
                  <SortableHeader label="Status" column="status" sort={sort} onSort={setSort} />
                  <th scope="col">Trailer</th>
                  <SortableHeader
                    label="Added"
                    column="added_at"
                    sort={sort}
                    onSort={setSort}
                    firstOrder="desc"
                  />
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => (
                  <tr key={m.id} data-media-id={m.id}>
                    <td>
                      <Link to={`/media/${m.id}`}>{m.title}</Link>
                    </td>
                    <td>{m.year}</td>
                    <td>{m.is_movie ? "Movie" : "Series"}</td>
                    <td>
                      <StatusBadge status={m.status} />
                    </td>
                    <td>
                      <PresenceBadge present={m.status === "downloaded"} />
                    </td>
                    <td>{formatDate(m.added_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            page={page}
            pageSize={pageSize}
            total={media.data.total}
            onPage={(p) => update({ page: p }, false)}
            onPageSize={(s) => update({ size: s })}
            sizes={PAGE_SIZES}
            label="Library pages"
          />
        </>
      )}
      {adding && (
        <Modal title="Add media" onClose={() => setAdding(false)}>
          <MediaForm
            onCancel={() => setAdding(false)}
            onSave={async (body) => {
              const created = await call(api.POST("/api/v1/media", { body }));
              setAdding(false);
              navigate(`/media/${created.id}`);
            }}
          />
        </Modal>
      )}
    </section>
  );
}
