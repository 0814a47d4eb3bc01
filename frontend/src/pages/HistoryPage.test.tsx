import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { MediaEvent } from "../api/types";
import { makeEvent } from "../test/fixtures";
import { renderWithQuery } from "../test/query";
import { HistoryPage } from "./HistoryPage";

function ok(data: unknown) {
  return Promise.resolve({ data, response: { ok: true, status: 200 } });
}

const ATTEMPTS = [
  makeEvent(),
  makeEvent({
    id: 2,
    media_id: 8,
    media_title: "Heat",
    media_year: 1995,
    video_id: "https://vimeo.com/76979871",
    message: "Download from https://vimeo.com/76979871 failed: HTTP Error 403: Forbidden",
    source_failed: false,
    created_at: "2024-03-09T08:00:00+00:00",
  }),
];

/** The API with `total` failed attempts (the two above on every page) and no downloads. */
function mockApi(events: readonly MediaEvent[] = ATTEMPTS, total = events.length) {
  return vi.spyOn(api, "GET").mockImplementation(((path: string) => {
    if (path === "/api/v1/downloads") return ok({ page: 1, page_size: 25, total: 0, records: [] });
    if (path === "/api/v1/downloads/stats")
      return ok({ by_video_format: [], by_audio_format: [], by_resolution: [] });
    if (path === "/api/v1/events") return ok({ page: 1, page_size: 25, total, records: events });
    return ok([]);
  }) as never);
}

function renderAt(url: string) {
  const router = createMemoryRouter(
    [
      { path: "/history", element: <HistoryPage /> },
      { path: "/media/:id", element: <p>Media page</p> },
    ],
    { initialEntries: [url] },
  );
  renderWithQuery(<RouterProvider router={router} />);
  return router;
}

/** The paths and queries of the GET requests made so far. */
function requests(get: ReturnType<typeof mockApi>) {
  return (get.mock.calls as unknown as [string, { params?: { query?: unknown } }?][]).map(
    ([path, options]) => ({ path, query: options?.params?.query }),
  );
}

function eventQueries(get: ReturnType<typeof mockApi>) {
  return requests(get)
    .filter((r) => r.path === "/api/v1/events")
    .map((r) => r.query);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("HistoryPage", () => {
  it("keeps each filter change in the history: Back restores the previous filters", async () => {
    const get = vi.spyOn(api, "GET").mockImplementation(((path: string) => {
      if (path === "/api/v1/downloads")
        return ok({ page: 1, page_size: 25, total: 0, records: [] });
      if (path === "/api/v1/downloads/stats")
        return ok({ by_video_format: [], by_audio_format: [], by_resolution: [] });
      return ok([]);
    }) as never);
    const router = createMemoryRouter([{ path: "/history", element: <HistoryPage /> }], {
      initialEntries: ["/history"],
    });
    const user = userEvent.setup();
    renderWithQuery(<RouterProvider router={router} />);
    const file = (await screen.findByLabelText("File")) as HTMLSelectElement;
    await user.selectOptions(file, "false");
    expect(router.state.location.search).toBe("?file_exists=false");
    await user.type(screen.getByLabelText("Search"), "alien");
    await waitFor(() => expect(router.state.location.search).toContain("q=alien"));
    expect(get).toHaveBeenCalledWith("/api/v1/downloads", {
      params: { query: expect.objectContaining({ file_exists: false }) },
    });

    await act(() => router.navigate(-1));
    expect(router.state.location.search).toBe("?file_exists=false");
    await waitFor(() =>
      expect((screen.getByLabelText("Search") as HTMLInputElement).value).toBe(""),
    );
    expect(file.value).toBe("false");
    await act(() => router.navigate(-1));
    expect(router.state.location.search).toBe("");
    await waitFor(() => expect(file.value).toBe(""));
  });

  it("shows the failed attempts when chosen, kept in the URL, and Back shows the trailers", async () => {
    const get = mockApi();
    const router = renderAt("/history");
    const user = userEvent.setup();
    const show = await screen.findByRole("group", { name: "Show" });
    const trailers = within(show).getByRole("button", { name: "Trailers" });
    expect(trailers.getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByText("Export CSV")).toBeTruthy();

    await user.click(within(show).getByRole("button", { name: "Failed attempts" }));
    expect(router.state.location.search).toBe("?show=failed");
    const table = await screen.findByRole("table", { name: /failed download attempts/i });
    expect(eventQueries(get)).toEqual([
      { event_type: ["download_failed"], page: 1, page_size: 25 },
    ]);
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    const alien = within(rows[0]!).getByRole("link", { name: "Alien (1979)" });
    expect(alien.getAttribute("href")).toBe("/media/7");
    expect(within(rows[0]!).getByText("dQw4w9WgXcQ")).toBeTruthy();
    expect(within(rows[0]!).getByText("Video unavailable")).toBeTruthy();
    expect(within(rows[1]!).getByText("HTTP Error 403: Forbidden")).toBeTruthy();
    // The downloads' filters and exports do not apply to failed attempts.
    expect(screen.queryByLabelText("Video codec")).toBeNull();
    expect(screen.queryByText("Export CSV")).toBeNull();
    expect(
      within(show).getByRole("button", { name: "Failed attempts" }).getAttribute("aria-pressed"),
    ).toBe("true");

    await act(() => router.navigate(-1));
    expect(router.state.location.search).toBe("");
    expect(await screen.findByText("No trailer has been downloaded yet.")).toBeTruthy();
    expect(screen.getByLabelText("Video codec")).toBeTruthy();
  });

  it("pages the failed attempts of one media through the URL", async () => {
    const get = mockApi(ATTEMPTS, 60);
    const router = renderAt("/history?show=failed&media_id=7&since=2024-03-01");
    const user = userEvent.setup();
    expect(await screen.findByText("Showing one media item's failed attempts.")).toBeTruthy();
    await screen.findByRole("table", { name: /failed download attempts/i });
    expect(eventQueries(get)).toEqual([
      {
        event_type: ["download_failed"],
        page: 1,
        page_size: 25,
        media_id: 7,
        since: new Date("2024-03-01T00:00:00").toISOString(),
      },
    ]);

    await user.click(screen.getByRole("button", { name: "Next page" }));
    const params = new URLSearchParams(router.state.location.search);
    expect(params.get("page")).toBe("2");
    expect(params.get("show")).toBe("failed");
    await waitFor(() => expect(eventQueries(get).at(-1)).toMatchObject({ page: 2, media_id: 7 }));
    expect(requests(get).some((r) => r.path === "/api/v1/downloads")).toBe(false);
  });

  it("searches the failed attempts, and Clear filters keeps the view", async () => {
    const get = mockApi();
    const router = renderAt("/history?show=failed&page=3");
    const user = userEvent.setup();
    const box = await screen.findByLabelText("Search");
    expect(box.getAttribute("placeholder")).toBe("Title or video id");
    await user.type(box, "heat");
    await waitFor(() => expect(eventQueries(get).at(-1)).toMatchObject({ q: "heat", page: 1 }));
    expect(router.state.location.search).toBe("?show=failed&q=heat");

    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(router.state.location.search).toBe("?show=failed");
  });

  it("filters every event by several types and a source, kept in the URL", async () => {
    const events = [
      ...ATTEMPTS,
      makeEvent({
        id: 3,
        media_id: null,
        media_title: "Predator (1987)",
        media_year: null,
        event_type: "media_removed",
        message: "Predator (1987) was removed from the library: gone from Radarr",
        video_id: null,
        source_failed: false,
        created_at: "2024-03-11T08:00:00+00:00",
      }),
    ];
    const get = mockApi(events);
    const router = renderAt("/history");
    const user = userEvent.setup();
    const show = await screen.findByRole("group", { name: "Show" });
    await user.click(within(show).getByRole("button", { name: "Events" }));
    expect(router.state.location.search).toBe("?show=events");
    const table = await screen.findByRole("table", { name: "Events, newest first" });
    expect(eventQueries(get)).toEqual([{ page: 1, page_size: 25 }]);
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-event-id"))).toEqual(["3", "1", "2"]);
    expect(within(rows[0]!).getByText("Predator (1987)").closest("a")).toBeNull();
    expect(within(rows[0]!).getByText("Removed from the library")).toBeTruthy();
    expect(within(rows[1]!).getByRole("link", { name: "Alien (1979)" })).toBeTruthy();
    expect(screen.queryByLabelText("Video codec")).toBeNull();

    const types = within(screen.getByRole("group", { name: "Event types" }));
    await user.click(types.getByLabelText("Download failed"));
    await user.click(types.getByLabelText("Downloaded"));
    // The URL keeps the types in the list's order, whatever the order of the clicks.
    expect(router.state.location.search).toBe("?show=events&type=downloaded&type=download_failed");
    await user.selectOptions(screen.getByLabelText("Source"), "Sonarr");
    expect(router.state.location.search).toBe(
      "?show=events&type=downloaded&type=download_failed&source=sonarr",
    );
    await waitFor(() =>
      expect(eventQueries(get).at(-1)).toEqual({
        page: 1,
        page_size: 25,
        event_type: ["downloaded", "download_failed"],
        source: "sonarr",
      }),
    );
    expect(within(screen.getByRole("button", { name: /Filters/ })).getByText("2")).toBeTruthy();

    await user.click(types.getByLabelText("Downloaded"));
    expect(router.state.location.search).toBe("?show=events&source=sonarr&type=download_failed");
    await act(() => router.navigate(-1));
    expect((types.getByLabelText("Downloaded") as HTMLInputElement).checked).toBe(true);

    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(router.state.location.search).toBe("?show=events");
    expect((types.getByLabelText("Downloaded") as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText("Source") as HTMLSelectElement).value).toBe("");
  });

  it("reads the events' filters from the URL and says when none matches", async () => {
    const get = mockApi([]);
    renderAt("/history?show=events&type=renamed&source=local&page=2");
    expect(await screen.findByText("No event matches these filters.")).toBeTruthy();
    expect(eventQueries(get)).toEqual([
      { page: 2, page_size: 25, event_type: ["renamed"], source: "local" },
    ]);
    expect((screen.getByLabelText("Renamed") as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText("Source") as HTMLSelectElement).value).toBe("local");
  });

  it("opens a failed attempt's details, and Escape closes them", async () => {
    mockApi();
    renderAt("/history?show=failed");
    const user = userEvent.setup();
    const [details] = await screen.findAllByRole("button", { name: /^Details/ });
    expect(details!.getAttribute("aria-haspopup")).toBe("dialog");
    expect(details!.getAttribute("aria-expanded")).toBe("false");

    await user.click(details!);
    const dialog = screen.getByRole("dialog", { name: "Failed attempt: Alien (1979)" });
    expect(details!.getAttribute("aria-expanded")).toBe("true");
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(
      within(dialog).getByText(
        "Download from https://www.youtube.com/watch?v=dQw4w9WgXcQ failed: Video unavailable",
      ),
    ).toBeTruthy();
    expect(within(dialog).getByText("dQw4w9WgXcQ")).toBeTruthy();
    const link = within(dialog).getByRole("link", { name: /youtube\.com/ });
    expect(link.getAttribute("href")).toBe("https://www.youtube.com/watch?v=dQw4w9WgXcQ");
    expect(within(dialog).getByText("Source marked unusable")).toBeTruthy();
    expect(within(dialog).getByText(/^Yes: automatic searches skip/)).toBeTruthy();
    expect(dialog.querySelector("time")?.getAttribute("dateTime")).toBe(
      "2024-03-10T12:34:00+00:00",
    );

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(details!.getAttribute("aria-expanded")).toBe("false");
    expect(document.activeElement).toBe(details);
  });

  it("closes a failed attempt's details on a click outside them", async () => {
    mockApi();
    renderAt("/history?show=failed");
    const buttons = await screen.findAllByRole("button", { name: /^Details/ });
    const details = buttons[1]!;
    details.focus();
    fireEvent.click(details);
    const dialog = screen.getByRole("dialog", { name: "Failed attempt: Heat (1995)" });
    expect(within(dialog).getByText(/^No: a later search may try/)).toBeTruthy();
    // A source given as a link has no separate video id.
    expect(within(dialog).queryByText("Video id")).toBeNull();
    fireEvent.mouseDown(dialog.parentElement!);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(details);
  });

  it("says when no attempt has failed", async () => {
    mockApi([]);
    renderAt("/history?show=failed");
    expect(await screen.findByText("No download attempt has failed.")).toBeTruthy();
  });
});
