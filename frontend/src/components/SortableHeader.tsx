import type { SortOrder } from "../api/types";

export interface SortState<K extends string> {
  key: K;
  order: SortOrder;
}

/**
 * The sort after a click on column `key`: the same column flips its order, another
 * column starts with `firstOrder` (descending suits dates and sizes, ascending names).
 */
export function nextSort<K extends string>(
  current: SortState<K>,
  key: K,
  firstOrder: SortOrder = "asc",
): SortState<K> {
  if (current.key === key) return { key, order: current.order === "asc" ? "desc" : "asc" };
  return { key, order: firstOrder };
}

interface SortableHeaderProps<K extends string> {
  label: string;
  column: K;
  sort: SortState<K>;
  onSort: (next: SortState<K>) => void;
  firstOrder?: SortOrder;
  className?: string;
}

/** A column header that sorts by its column; `aria-sort` tells which way. */
export function SortableHeader<K extends string>({
  label,
  column,
  sort,
  onSort,
  firstOrder = "asc",
  className,
}: SortableHeaderProps<K>) {
  const active = sort.key === column;
  const ariaSort = active ? (sort.order === "asc" ? "ascending" : "descending") : "none";
  return (
    <th scope="col" aria-sort={ariaSort} className={className}>
      <button
        type="button"
        className="sort-button"
        onClick={() => onSort(nextSort(sort, column, firstOrder))}
      >
        {label}
        <span className="sort-icon" aria-hidden="true">
          {active ? (sort.order === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </button>
    </th>
  );
}
