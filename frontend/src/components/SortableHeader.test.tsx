import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { nextSort, SortableHeader, type SortState } from "./SortableHeader";

type Key = "added_at" | "file_name";

function Harness() {
  const [sort, setSort] = useState<SortState<Key>>({ key: "added_at", order: "desc" });
  return (
    <table>
      <thead>
        <tr>
          <SortableHeader
            label="Downloaded"
            column="added_at"
            sort={sort}
            onSort={setSort}
            firstOrder="desc"
          />
          <SortableHeader label="File" column="file_name" sort={sort} onSort={setSort} />
        </tr>
      </thead>
    </table>
  );
}

describe("SortableHeader", () => {
  it("toggles aria-sort on the clicked column and clears it on the other", async () => {
    render(<Harness />);
    const [date, file] = screen.getAllByRole("columnheader");
    expect(date!.getAttribute("aria-sort")).toBe("descending");
    expect(file!.getAttribute("aria-sort")).toBe("none");

    await userEvent.click(screen.getByRole("button", { name: /File/ }));
    expect(file!.getAttribute("aria-sort")).toBe("ascending");
    expect(date!.getAttribute("aria-sort")).toBe("none");

    await userEvent.click(screen.getByRole("button", { name: /File/ }));
    expect(file!.getAttribute("aria-sort")).toBe("descending");

    await userEvent.click(screen.getByRole("button", { name: /Downloaded/ }));
    expect(date!.getAttribute("aria-sort")).toBe("descending");
  });

  it("sorts by keyboard too", async () => {
    render(<Harness />);
    const user = userEvent.setup();
    await user.tab();
    await user.tab();
    expect(document.activeElement?.textContent).toContain("File");
    await user.keyboard("{Enter}");
    expect(screen.getAllByRole("columnheader")[1]!.getAttribute("aria-sort")).toBe("ascending");
  });

  it("computes the next sort", () => {
    expect(nextSort({ key: "a", order: "asc" }, "a")).toEqual({ key: "a", order: "desc" });
    expect(nextSort({ key: "a", order: "desc" }, "a")).toEqual({ key: "a", order: "asc" });
    expect(nextSort({ key: "a", order: "asc" }, "b", "desc")).toEqual({ key: "b", order: "desc" });
  });
});
