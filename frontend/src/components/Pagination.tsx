import { useId } from "react";

interface PaginationProps {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
  onPageSize?: (size: number) => void;
  sizes?: readonly number[];
  label?: string;
}

export function Pagination({
  page,
  pageSize,
  total,
  onPage,
  onPageSize,
  sizes = [25, 50, 100],
  label = "Pages",
}: PaginationProps) {
  const id = useId();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const sizeOptions = sizes.includes(pageSize) ? sizes : [...sizes, pageSize].sort((a, b) => a - b);
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <nav className="pagination" aria-label={label}>
      <span className="pagination-info" aria-live="polite">
        {total === 0 ? "No records" : `${first}–${last} of ${total}`}
      </span>
      <div className="pagination-controls">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => onPage(1)}
          disabled={page <= 1}
          aria-label="First page"
        >
          «
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => onPage(page - 1)}
          disabled={page <= 1}
          aria-label="Previous page"
        >
          ‹ Prev
        </button>
        <span className="pagination-page">
          Page {Math.min(page, pages)} of {pages}
        </span>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => onPage(page + 1)}
          disabled={page >= pages}
          aria-label="Next page"
        >
          Next ›
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => onPage(pages)}
          disabled={page >= pages}
          aria-label="Last page"
        >
          »
        </button>
        {onPageSize && (
          <>
            <label htmlFor={id} className="visually-hidden">
              Rows per page
            </label>
            <select id={id} value={pageSize} onChange={(e) => onPageSize(Number(e.target.value))}>
              {sizeOptions.map((s) => (
                <option key={s} value={s}>
                  {s} / page
                </option>
              ))}
            </select>
          </>
        )}
      </div>
    </nav>
  );
}
