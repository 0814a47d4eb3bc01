import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { Pagination } from "./Pagination";

const button = (name: string) => screen.getByRole("button", { name }) as HTMLButtonElement;

describe("Pagination", () => {
  it("tells where we are and turns the page", async () => {
    const onPage = vi.fn();
    render(<Pagination page={2} pageSize={10} total={25} onPage={onPage} />);
    expect(screen.getByText("11–20 of 25")).toBeTruthy();
    expect(screen.getByText("Page 2 of 3")).toBeTruthy();
    await userEvent.click(button("Next page"));
    await userEvent.click(button("Previous page"));
    await userEvent.click(button("Last page"));
    expect(onPage.mock.calls).toEqual([[3], [1], [3]]);
  });

  it("disables what leads nowhere", () => {
    render(<Pagination page={1} pageSize={10} total={5} onPage={vi.fn()} />);
    expect(button("Previous page").disabled).toBe(true);
    expect(button("First page").disabled).toBe(true);
    expect(button("Next page").disabled).toBe(true);
    expect(screen.getByText("1–5 of 5")).toBeTruthy();
  });

  it("offers the page size in use even when it is not a preset", async () => {
    const onPageSize = vi.fn();
    render(
      <Pagination
        page={1}
        pageSize={2}
        total={5}
        onPage={vi.fn()}
        onPageSize={onPageSize}
        sizes={[10, 25]}
      />,
    );
    const select = screen.getByLabelText("Rows per page") as HTMLSelectElement;
    expect(select.value).toBe("2");
    await userEvent.selectOptions(select, "25");
    expect(onPageSize).toHaveBeenCalledWith(25);
  });

  it("says so when there is nothing", () => {
    render(<Pagination page={1} pageSize={10} total={0} onPage={vi.fn()} />);
    expect(screen.getByText("No records")).toBeTruthy();
    expect(screen.getByText("Page 1 of 1")).toBeTruthy();
  });
});
