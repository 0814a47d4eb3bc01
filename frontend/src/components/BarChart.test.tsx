import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { BarChart } from "./BarChart";

describe("BarChart", () => {
  it("draws bars relative to the largest, with counts and shares as text", () => {
    render(
      <MemoryRouter>
        <BarChart
          title="Resolutions"
          bars={[
            { label: "1920x1080", value: 3, href: "/history?resolution=1920x1080" },
            { label: "1280x720", value: 1 },
          ]}
        />
      </MemoryRouter>,
    );
    const chart = screen.getByRole("figure", { name: "Resolutions" });
    const rows = within(chart).getAllByRole("listitem");
    expect(rows[0]!.textContent).toContain("3 (75%)");
    expect(rows[1]!.textContent).toContain("1 (25%)");
    const fills = chart.querySelectorAll<HTMLElement>(".bar-fill");
    expect(fills[0]!.style.width).toBe("100%");
    expect(Number.parseFloat(fills[1]!.style.width)).toBeCloseTo(33.33, 1);
    expect(within(chart).getByRole("link", { name: "1920x1080" }).getAttribute("href")).toBe(
      "/history?resolution=1920x1080",
    );
  });

  it("says when there is nothing to draw", () => {
    render(
      <MemoryRouter>
        <BarChart title="Profiles" bars={[]} />
      </MemoryRouter>,
    );
    expect(screen.getByText("No data yet.")).toBeTruthy();
  });
});
