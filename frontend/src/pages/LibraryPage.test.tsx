import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { Media } from "../api/types";
import { renderWithQuery } from "../test/query";
import { LibraryPage, VIEW_KEY } from "./LibraryPage";

function makeMedia(id: number, title: string, overrides: Partial<Media> = {}): Media {
  return {
    id,
    title,
    year: 2000 + id,
    is_movie: true,
    folder_path: `/media/movies/${title} (${2000 + id})`,
    monitor: false,
    status: "missing",
    added_at: "2024-03-10T12:34:00+00:00",
    updated_at: "2024-03-10T12:34:00+00:00",
    downloaded_at: null,
    poster_url: null,
    media_exists: true,
    ...overrides,
  } as Media;
}

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

let library: Media[];
let syncRunning: boolean;

function mockReads() {
  return vi.spyOn(api, "GET").mockImplementation(((path: string) => {
    if (path === "/api/v1/media")
      return ok({ page: 1, page_size: 50, total: library.length, records: library });
    if (path === "/api/v1/tasks/{name}") return ok({ name: "sync", running: syncRunning });
    return ok([]);
  }) as never);
}

/** How often the library list was read. */
function mediaReads(get: ReturnType<typeof mockReads>): number {
  return get.mock.calls.filter((call) => (call as unknown[])[0] === "/api/v1/media").length;
}

function renderLibrary() {
  return renderWithQuery(
    <MemoryRouter initialEntries={["/"]}>
      <Routes>
        <Route path="/" element={<LibraryPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

beforeEach(() => {
  library = [
    makeMedia(1, "Alien", { poster_url: "/MediaCover/1/poster.jpg", connection_id: 1 }),
    makeMedia(2, "Brazil"),
    makeMedia(3, "Cube"),
  ];
  syncRunning = false;
  window.localStorage.clear();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("LibraryPage", () => {
  it("shows the folder and a poster or a placeholder, and one trailer status column", async () => {
    mockReads();
    renderLibrary();
    const row = await screen.findByRole("row", { name: /Alien/ });
    expect(within(row).getByText("/media/movies/Alien (2001)")).toBeTruthy();
    const img = row.querySelector("img.poster");
    expect(img?.getAttribute("src")).toMatch(/^\/api\/v1\/media\/1\/poster/);
    const brazil = screen.getByRole("row", { name: /Brazil/ });
    expect(brazil.querySelector("img")).toBeNull();
    expect(brazil.querySelector('[data-poster="none"]')).toBeTruthy();
    const headers = screen.getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers.filter((h) => /Trailer|Status/.test(h ?? ""))).toHaveLength(1);
    expect(screen.queryByText("Absent")).toBeNull();
  });

  it("shows the placeholder when the poster cannot be loaded", async () => {
    mockReads();
    renderLibrary();
    const row = await screen.findByRole("row", { name: /Alien/ });
    row.querySelector("img.poster")!.dispatchEvent(new Event("error"));
    await waitFor(() => expect(row.querySelector('[data-poster="none"]')).toBeTruthy());
  });

  it("monitors the selected media in one request, then reads the library again", async () => {
    const get = mockReads();
    const post = vi.spyOn(api, "POST").mockImplementation((() => {
      library = library.map((m) => (m.id === 1 || m.id === 3 ? { ...m, monitor: true } : m));
      return ok({ updated: 2 });
    }) as never);
    const user = userEvent.setup();
    renderLibrary();
    await user.click(await screen.findByRole("checkbox", { name: "Select Alien" }));
    await user.click(screen.getByRole("checkbox", { name: "Select Cube" }));
    const bar = screen.getByRole("region", { name: "Selected media" });
    expect(bar.textContent).toContain("2 selected");
    const reads = mediaReads(get);
    await user.click(within(bar).getByRole("button", { name: "Monitor" }));
    expect(post).toHaveBeenCalledWith("/api/v1/media/bulk", {
      body: { ids: [1, 3], monitor: true },
    });
    await waitFor(() => expect(mediaReads(get)).toBeGreaterThan(reads));
    const alien = await screen.findByRole("row", { name: /Alien/ });
    await waitFor(() => expect(within(alien).getByText("Yes")).toBeTruthy());
    expect(screen.queryByRole("region", { name: "Selected media" })).toBeNull();
  });

  it("downloads the trailers of the selected media, one request each", async () => {
    mockReads();
    const post = vi
      .spyOn(api, "POST")
      .mockImplementation(((_path: string, init: { params: { path: { media_id: number } } }) =>
        init.params.path.media_id === 3
          ? failed(409, "A trailer download is already running for media 3")
          : ok({ media_id: 1, profile_id: 1, message: "started" }, 202)) as never);
    const user = userEvent.setup();
    renderLibrary();
    await user.click(await screen.findByRole("checkbox", { name: "Select Alien" }));
    await user.click(screen.getByRole("checkbox", { name: "Select Cube" }));
    const bar = screen.getByRole("region", { name: "Selected media" });
    await user.click(within(bar).getByRole("button", { name: "Download trailers" }));
    expect((await within(bar).findByRole("status")).textContent).toBe(
      "Started 1; 1 already downloading",
    );
    expect(post).toHaveBeenCalledWith("/api/v1/media/{media_id}/download", {
      params: { path: { media_id: 1 } },
      body: { profile_id: null, url: null, replace: false },
    });
    expect(post).toHaveBeenCalledTimes(2);
  });

  it("selects and unselects the whole page from the header", async () => {
    mockReads();
    const post = vi.spyOn(api, "POST").mockImplementation((() => ok({ updated: 3 })) as never);
    const user = userEvent.setup();
    renderLibrary();
    const all = await screen.findByRole("checkbox", { name: "Select all on this page" });
    await user.click(all);
    expect(screen.getByRole("region", { name: "Selected media" }).textContent).toContain(
      "3 selected",
    );
    await user.click(screen.getByRole("button", { name: "Unmonitor" }));
    expect(post).toHaveBeenCalledWith("/api/v1/media/bulk", {
      body: { ids: [1, 2, 3], monitor: false },
    });
  });

  it("edits a media item and shows the server's reason when it refuses", async () => {
    mockReads();
    const patch = vi
      .spyOn(api, "PATCH")
      .mockImplementationOnce((() =>
        failed(422, "Folder /etc is outside every library root")) as never)
      .mockImplementationOnce((() =>
        failed(422, [
          { loc: ["body", "trailer_url"], msg: "Value error, yt-dlp cannot download this URL" },
        ])) as never);
    const user = userEvent.setup();
    renderLibrary();
    await user.click(await screen.findByRole("button", { name: "Edit Brazil" }));
    const dialog = screen.getByRole("dialog", { name: "Edit Brazil" });
    const folder = within(dialog).getByLabelText("Folder path");
    await user.clear(folder);
    await user.type(folder, "/etc");
    await user.click(within(dialog).getByLabelText("Monitored"));
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(patch).toHaveBeenLastCalledWith("/api/v1/media/{media_id}", {
      params: { path: { media_id: 2 } },
      body: { folder_path: "/etc", monitor: true },
    });
    expect((await within(dialog).findByRole("alert")).textContent).toBe(
      "Folder /etc is outside every library root",
    );

    const trailer = within(dialog).getByLabelText("Trailer");
    await user.type(trailer, "https://example.test/trailer");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(trailer.getAttribute("aria-invalid")).toBe("true"));
    expect(within(dialog).getByText("yt-dlp cannot download this URL")).toBeTruthy();
    expect(patch.mock.calls[1]![1]).toMatchObject({
      body: { trailer_url: "https://example.test/trailer", youtube_trailer_id: null },
    });
    expect(screen.getByRole("dialog", { name: "Edit Brazil" })).toBeTruthy();
  });

  it("checks the trailer before sending", async () => {
    mockReads();
    const patch = vi.spyOn(api, "PATCH");
    const user = userEvent.setup();
    renderLibrary();
    await user.click(await screen.findByRole("button", { name: "Edit Cube" }));
    const dialog = screen.getByRole("dialog", { name: "Edit Cube" });
    await user.type(within(dialog).getByLabelText("Trailer"), "not a link");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(within(dialog).getByText(/Enter a YouTube id/)).toBeTruthy();
    expect(patch).not.toHaveBeenCalled();
  });

  it("switches to the poster grid and remembers the choice", async () => {
    mockReads();
    const user = userEvent.setup();
    const first = renderLibrary();
    await screen.findByRole("row", { name: /Alien/ });
    await user.click(screen.getByRole("button", { name: "Posters" }));
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.getByRole("list", { name: "Media" }).querySelectorAll("li")).toHaveLength(3);
    expect(window.localStorage.getItem(VIEW_KEY)).toBe("grid");
    first.unmount();

    renderLibrary();
    await screen.findByRole("list", { name: "Media" });
    expect(screen.getByRole("button", { name: "Posters" }).getAttribute("aria-pressed")).toBe(
      "true",
    );
    await user.click(screen.getByRole("button", { name: "Table" }));
    expect(await screen.findByRole("table")).toBeTruthy();
    expect(window.localStorage.getItem(VIEW_KEY)).toBe("table");
  });

  it("refreshes the library through the sync task and shows while it runs", async () => {
    const get = mockReads();
    const post = vi.spyOn(api, "POST").mockImplementation((() => {
      syncRunning = true;
      return ok({ name: "sync", running: true }, 202);
    }) as never);
    const user = userEvent.setup();
    renderLibrary();
    await user.click(await screen.findByRole("button", { name: "Refresh library" }));
    expect(post).toHaveBeenCalledWith("/api/v1/tasks/{name}", {
      params: { path: { name: "sync" } },
    });
    const busy = await screen.findByRole("button", { name: "Refreshing…" });
    expect((busy as HTMLButtonElement).disabled).toBe(true);
    const reads = mediaReads(get);
    library = [...library, makeMedia(4, "Dune")];
    syncRunning = false;
    // The task's state is polled while it runs; its end reads the library again.
    await screen.findByRole("button", { name: "Refresh library" }, { timeout: 4000 });
    await screen.findByRole("row", { name: /Dune/ });
    expect(mediaReads(get)).toBeGreaterThan(reads);
  });
});
