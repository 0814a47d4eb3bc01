// The library's two views of one page of media: a table and a poster grid. Both show the
// same selection checkboxes and edit buttons.
import { Link } from "react-router-dom";
import type { Media } from "../../api/types";
import { formatDate } from "../../lib/format";
import { StatusBadge } from "../Badges";
import { SortableHeader, type SortState } from "../SortableHeader";
import { Poster } from "./Poster";

export type LibrarySort = "title" | "year" | "status" | "added_at";

interface ViewProps {
  rows: readonly Media[];
  selected: ReadonlySet<number>;
  onToggle: (id: number, checked: boolean) => void;
  onEdit: (media: Media) => void;
}

function SelectBox({
  media,
  selected,
  onToggle,
}: {
  media: Media;
  selected: ReadonlySet<number>;
  onToggle: ViewProps["onToggle"];
}) {
  return (
    <input
      type="checkbox"
      className="select-box"
      aria-label={`Select ${media.title}`}
      checked={selected.has(media.id)}
      onChange={(e) => onToggle(media.id, e.target.checked)}
    />
  );
}

function EditButton({ media, onEdit }: { media: Media; onEdit: ViewProps["onEdit"] }) {
  return (
    <button
      type="button"
      className="btn btn-small"
      aria-label={`Edit ${media.title}`}
      onClick={() => onEdit(media)}
    >
      Edit
    </button>
  );
}

export function LibraryTable({
  rows,
  selected,
  onToggle,
  onToggleAll,
  onEdit,
  sort,
  onSort,
  busy,
}: ViewProps & {
  onToggleAll: (checked: boolean) => void;
  sort: SortState<LibrarySort>;
  onSort: (next: SortState<LibrarySort>) => void;
  busy: boolean;
}) {
  const all = rows.length > 0 && rows.every((m) => selected.has(m.id));
  const some = !all && rows.some((m) => selected.has(m.id));
  return (
    <div className="table-wrap" aria-busy={busy || undefined}>
      <table className="table library-table">
        <caption className="visually-hidden">
          Media, sorted on the server by the chosen column
        </caption>
        <thead>
          <tr>
            <th scope="col" className="cell-select">
              <input
                type="checkbox"
                className="select-box"
                aria-label="Select all on this page"
                checked={all}
                ref={(el) => {
                  if (el) el.indeterminate = some;
                }}
                onChange={(e) => onToggleAll(e.target.checked)}
              />
            </th>
            <th scope="col" className="cell-poster">
              <span className="visually-hidden">Poster</span>
            </th>
            <SortableHeader label="Title" column="title" sort={sort} onSort={onSort} />
            <SortableHeader
              label="Year"
              column="year"
              sort={sort}
              onSort={onSort}
              firstOrder="desc"
            />
            <th scope="col">Type</th>
            <th scope="col">Folder</th>
            <SortableHeader label="Status" column="status" sort={sort} onSort={onSort} />
            <th scope="col">Monitored</th>
            <SortableHeader
              label="Added"
              column="added_at"
              sort={sort}
              onSort={onSort}
              firstOrder="desc"
            />
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr
              key={m.id}
              data-media-id={m.id}
              className={selected.has(m.id) ? "row-selected" : ""}
            >
              <td className="cell-select">
                <SelectBox media={m} selected={selected} onToggle={onToggle} />
              </td>
              <td className="cell-poster">
                <Poster media={m} />
              </td>
              <td data-col="title">
                <Link to={`/media/${m.id}`}>{m.title}</Link>
              </td>
              <td data-col="year">{m.year}</td>
              <td data-col="type">{m.is_movie ? "Movie" : "Series"}</td>
              <td data-col="folder" className="cell-folder" title={m.folder_path}>
                {m.folder_path}
              </td>
              <td data-col="status">
                <StatusBadge status={m.status} />
              </td>
              <td data-col="monitor">{m.monitor ? "Yes" : "No"}</td>
              <td data-col="added_at">{formatDate(m.added_at)}</td>
              <td className="cell-actions">
                <EditButton media={m} onEdit={onEdit} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LibraryGrid({
  rows,
  selected,
  onToggle,
  onEdit,
  busy,
}: ViewProps & { busy: boolean }) {
  return (
    <ul className="poster-grid" aria-busy={busy || undefined} aria-label="Media">
      {rows.map((m) => (
        <li
          key={m.id}
          className={`poster-card ${selected.has(m.id) ? "is-selected" : ""}`}
          data-media-id={m.id}
        >
          <Link
            to={`/media/${m.id}`}
            className="poster-card-image"
            tabIndex={-1}
            aria-hidden="true"
          >
            <Poster media={m} size="large" />
          </Link>
          <div className="poster-card-body">
            <Link to={`/media/${m.id}`} className="poster-card-title" data-col="title">
              {m.title}
            </Link>
            <span className="muted">
              {m.year} · {m.is_movie ? "Movie" : "Series"}
            </span>
            <span className="poster-card-row">
              <StatusBadge status={m.status} />
              {m.monitor && <span className="muted">Monitored</span>}
            </span>
            <span className="poster-card-row">
              <SelectBox media={m} selected={selected} onToggle={onToggle} />
              <EditButton media={m} onEdit={onEdit} />
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}
