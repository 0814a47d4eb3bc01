import { useState } from "react";
import { useNavigate } from "react-router-dom";
import type { Media, MediaStatus } from "../api/types";
import { ChoiceButtons, SelectField, TextField } from "../components/Fields";
import { AddMediaDialog } from "../components/library/AddMediaDialog";
import { BulkBar } from "../components/library/BulkBar";
import { LibraryGrid, LibraryTable, type LibrarySort } from "../components/library/LibraryViews";
import { MediaEditDialog } from "../components/library/MediaEditDialog";
import { RefreshLibraryButton } from "../components/library/RefreshLibraryButton";
import { Pagination } from "../components/Pagination";
import type { SortState } from "../components/SortableHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { useMediaList } from "../hooks/queries/media";
import { useQueryState, useSearchBox, useStoredChoice, useTitle } from "../lib/hooks";

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

export const VIEW_KEY = "trailarr.library.view";
const VIEWS = ["table", "grid"] as const;
type View = (typeof VIEWS)[number];
const VIEW_OPTIONS = [
  { value: "table", label: "Table" },
  { value: "grid", label: "Posters" },
] as const satisfies readonly { value: View; label: string }[];

export function LibraryPage() {
  useTitle("Library");
  const [params, update] = useQueryState();
  const navigate = useNavigate();
  const page = Math.max(1, Number(params.get("page")) || 1);
  const pageSize = Number(params.get("size")) || 50;
  const type = params.get("type") ?? "";
  const status = params.get("status") ?? "";
  const query = params.get("q") ?? "";
  const [search, setSearch] = useSearchBox(params, update);
  const sort: SortState<LibrarySort> = {
    key: (params.get("sort") as LibrarySort | null) ?? "title",
    order: params.get("order") === "desc" ? "desc" : "asc",
  };
  const setSort = (next: SortState<LibrarySort>) => update({ sort: next.key, order: next.order });
  const [view, setView] = useStoredChoice<View>(VIEW_KEY, VIEWS, "table");
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Media | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<number>>(() => new Set());

  const media = useMediaList({
    page,
    page_size: pageSize,
    search: query || undefined,
    is_movie: type === "" ? undefined : type === "movie",
    status: (status || undefined) as MediaStatus | undefined,
    sort: sort.key,
    order: sort.order,
  });
  const rows = media.data?.records ?? [];

  const toggle = (id: number, checked: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (checked) next.add(id);
      else next.delete(id);
      return next;
    });
  const toggleAll = (checked: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      for (const m of rows) {
        if (checked) next.add(m.id);
        else next.delete(m.id);
      }
      return next;
    });

  return (
    <section className="page">
      <header className="page-header">
        <h1>Library</h1>
        <div className="button-row">
          <RefreshLibraryButton />
          <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
            Add media
          </button>
        </div>
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
        <div className="field field-button">
          <ChoiceButtons label="View" value={view} onChange={setView} options={VIEW_OPTIONS} />
        </div>
      </form>
      <BulkBar selected={[...selected]} onClear={() => setSelected(new Set())} />
      {media.error && !media.data ? (
        <ErrorState error={media.error} onRetry={() => void media.refetch()} />
      ) : !media.data ? (
        <Loading label="Loading library" />
      ) : media.data.total === 0 ? (
        <Empty>
          {query || type || status
            ? "Nothing matches these filters."
            : "The library is empty. Add a library root or a Radarr/Sonarr connection in Settings, or add a movie or series by hand."}
        </Empty>
      ) : (
        <>
          {view === "grid" ? (
            <LibraryGrid
              rows={rows}
              selected={selected}
              onToggle={toggle}
              onEdit={setEditing}
              busy={media.isFetching}
            />
          ) : (
            <LibraryTable
              rows={rows}
              selected={selected}
              onToggle={toggle}
              onToggleAll={toggleAll}
              onEdit={setEditing}
              sort={sort}
              onSort={setSort}
              busy={media.isFetching}
            />
          )}
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
        <AddMediaDialog
          onClose={() => setAdding(false)}
          onAdded={(created) => {
            setAdding(false);
            navigate(`/media/${created.id}`);
          }}
        />
      )}
      {editing && <MediaEditDialog media={editing} onClose={() => setEditing(null)} />}
    </section>
  );
}
