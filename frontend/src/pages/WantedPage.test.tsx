import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { WantedItem } from "../hooks/queries/wanted";
import { renderWithQuery } from "../test/query";
import { WantedPage } from "./WantedPage";

function item(overrides: Partial<WantedItem>): WantedItem {
  return {
    media_id: 1,
    title: "Alien",
    year: 1979,
    is_movie: true,
    profile_id: 1,
    profile_name: "Default",
    source: "search",
    due: true,
    downloading: false,
    attempts: 0,
    last_error: null,
    last_attempt_at: null,
    next_attempt_at: null,
    ...overrides,
  };
}

const ITEMS = [
  item({}),
  item({ profile_id: 2, profile_name: "4K", source: "trailer_url" }),
  item({
    media_id: 2,
    title: "Brazil",
    year: 1985,
    due: false,
    attempts: 2,
    last_error: "HTTP Error 404: Not Found",
    last_attempt_at: "2026-12-01T10:00:00Z",
    next_attempt_at: "2026-12-03T10:00:00Z",
  }),
];

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function setup(post: () => Promise<unknown> = () => ok({ status: "downloading" }, 202)) {
  const gets = vi
    .spyOn(api, "GET")
    .mockImplementation((() =>
      ok({ page: 1, page_size: 50, total: ITEMS.length, records: ITEMS })) as never);
  const posts = vi.spyOn(api, "POST").mockImplementation(post as never);
  renderWithQuery(
    <MemoryRouter initialEntries={["/wanted"]}>
      <Routes>
        <Route path="/wanted" element={<WantedPage />} />
      </Routes>
    </MemoryRouter>,
  );
  return { gets, posts };
}

afterEach(() => vi.restoreAllMocks());

describe("WantedPage", () => {
  it("lists what is wanted with its source, and the wait after failures", async () => {
    setup();
    const alien = within(await screen.findByRole("row", { name: /Alien.*Default/ }));
    expect(alien.getByText("Search")).toBeTruthy();
    expect(alien.getByText("Next run")).toBeTruthy();
    const brazil = within(screen.getByRole("row", { name: /Brazil/ }));
    expect(brazil.getByText(/^After /)).toBeTruthy();
    expect(brazil.getByText("2 failed attempts")).toBeTruthy();
    expect(brazil.getByText("HTTP Error 404: Not Found")).toBeTruthy();
    expect(screen.getByRole("row", { name: /Alien.*4K/ }).textContent).toContain("Saved URL");
  });

  it("shows a media downloading now, without a search button to press", async () => {
    vi.spyOn(api, "GET").mockImplementation((() =>
      ok({
        page: 1,
        page_size: 50,
        total: 1,
        records: [item({ due: false, downloading: true })],
      })) as never);
    renderWithQuery(
      <MemoryRouter initialEntries={["/wanted"]}>
        <Routes>
          <Route path="/wanted" element={<WantedPage />} />
        </Routes>
      </MemoryRouter>,
    );
    const row = within(await screen.findByRole("row", { name: /Alien/ }));
    expect(row.getByRole("status").textContent).toBe("Downloading…");
    expect((row.getByRole("button", { name: /Search now/ }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });

  it("searches now for one row with its profile", async () => {
    const { posts } = setup();
    const user = userEvent.setup();
    await user.click(
      await screen.findByRole("button", { name: "Search now for Brazil with Default" }),
    );
    await waitFor(() =>
      expect(posts).toHaveBeenCalledWith("/api/v1/media/{media_id}/download", {
        params: { path: { media_id: 2 } },
        body: { profile_id: 1, url: null, replace: false },
      }),
    );
  });

  it("searches a selection, one download per media at a time", async () => {
    const { posts } = setup();
    const user = userEvent.setup();
    await user.click(await screen.findByLabelText("Select the whole page"));
    await user.click(screen.getByRole("button", { name: "Search selected (3)" }));
    expect((await screen.findByRole("status")).textContent).toBe(
      "Started 2; 1 already downloading",
    );
    expect(posts).toHaveBeenCalledTimes(2);
  });

  it("filters what is waiting after a failure on the server", async () => {
    const { gets } = setup();
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText("Show"), "false");
    await waitFor(() =>
      expect(gets).toHaveBeenLastCalledWith("/api/v1/wanted", {
        params: { query: { page: 1, page_size: 50, due: false } },
      }),
    );
  });
});
