import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { SearchCandidate, TrailerSearch } from "../api/types";
import { makeProfile } from "../test/fixtures";
import { renderWithQuery } from "../test/query";
import { SearchButton, SearchDialog } from "./SearchDialog";

function candidate(overrides: Partial<SearchCandidate> = {}): SearchCandidate {
  const videoId = overrides.video_id ?? "aaaaaaaaaa1";
  return {
    video_id: videoId,
    url: `https://www.youtube.com/watch?v=${videoId}`,
    title: "Alien (1979) Official Trailer",
    channel: "Movieclips Trailers",
    duration: 150,
    resolution: null,
    thumbnail: `https://i.ytimg.com/vi/${videoId}/hqdefault.jpg`,
    passes: true,
    reasons: [],
    ...overrides,
  };
}

const RESULTS: TrailerSearch = {
  media_id: 7,
  profile_id: 3,
  query: "Alien 1979 movie trailer",
  candidates: [
    candidate(),
    candidate({
      video_id: "aaaaaaaaaa2",
      title: "Alien trailer REACTION",
      duration: 905,
      resolution: "1920x1080",
      thumbnail: null,
      passes: false,
      reasons: [
        "title has the excluded word 'reaction'",
        "longer than the profile's maximum of 600 s",
      ],
    }),
  ],
};

const PROFILES = [
  makeProfile({ id: 3, name: "Default", priority: 5 }),
  makeProfile({ id: 4, name: "Strict", priority: 1 }),
];

const PROFILES_PATH = "/api/v1/trailerprofiles";

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

interface Answers {
  search?: (query: { profile_id?: number | null }) => unknown;
  post?: () => unknown;
}

function mockApi({ search = () => ok(RESULTS), post = () => ok({}) }: Answers = {}) {
  const gets = vi.spyOn(api, "GET").mockImplementation(((
    path: string,
    init?: { params?: { query?: { profile_id?: number | null } } },
  ) => {
    if (path === PROFILES_PATH) return ok(PROFILES);
    if (path === "/api/v1/media/{media_id}/search") return search(init?.params?.query ?? {});
    throw new Error(`unexpected GET ${path}`);
  }) as never);
  const posts = vi.spyOn(api, "POST").mockImplementation((() => post()) as never);
  return { gets, posts };
}

function renderDialog() {
  const onClose = vi.fn();
  const onStarted = vi.fn();
  renderWithQuery(
    <SearchDialog mediaId={7} title="Alien" onClose={onClose} onStarted={onStarted} />,
  );
  return { onClose, onStarted, dialog: within(screen.getByRole("dialog")) };
}

function row(videoId: string): HTMLElement {
  const found = document.querySelector<HTMLElement>(`tr[data-video-id="${videoId}"]`);
  if (!found) throw new Error(`no row for ${videoId}`);
  return found;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SearchDialog", () => {
  it("shows the query and each video with the profile's verdict", async () => {
    const { gets } = mockApi();
    const { dialog } = renderDialog();

    expect(await dialog.findByText("Alien 1979 movie trailer")).toBeTruthy();
    expect(gets).toHaveBeenCalledWith("/api/v1/media/{media_id}/search", {
      params: { path: { media_id: 7 }, query: {} },
    });

    const good = within(row("aaaaaaaaaa1"));
    const link = good.getByRole("link", { name: "Alien (1979) Official Trailer" });
    expect(link.getAttribute("href")).toBe("https://www.youtube.com/watch?v=aaaaaaaaaa1");
    expect(link.getAttribute("rel")).toBe("noreferrer");
    expect(good.getByText("Movieclips Trailers")).toBeTruthy();
    expect(good.getByText("2:30")).toBeTruthy();
    expect(good.getByText("Passes")).toBeTruthy();
    expect(row("aaaaaaaaaa1").querySelector("img")?.getAttribute("src")).toBe(
      "https://i.ytimg.com/vi/aaaaaaaaaa1/hqdefault.jpg",
    );

    const bad = within(row("aaaaaaaaaa2"));
    expect(bad.getByText("15:05")).toBeTruthy();
    expect(bad.getByText("1920x1080")).toBeTruthy();
    expect(bad.getByText("Fails").getAttribute("title")).toBe(
      "title has the excluded word 'reaction'; longer than the profile's maximum of 600 s",
    );
    const reasons = bad.getByRole("list", { name: "Why the profile's filters reject it" });
    expect(
      within(reasons)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(RESULTS.candidates[1]!.reasons);
    expect(row("aaaaaaaaaa2").className).toContain("row-failing");
    expect(row("aaaaaaaaaa2").querySelector("img")).toBeNull();
  });

  it("searches again with the chosen profile", async () => {
    const strict = { ...RESULTS, profile_id: 4, query: "Alien official trailer" };
    const { gets } = mockApi({
      search: (query) => ok(query.profile_id === 4 ? strict : RESULTS),
    });
    const { dialog } = renderDialog();
    await dialog.findByText("Alien 1979 movie trailer");

    await userEvent.selectOptions(dialog.getByLabelText("Profile"), "Strict");

    expect(await dialog.findByText("Alien official trailer")).toBeTruthy();
    expect(gets).toHaveBeenCalledWith("/api/v1/media/{media_id}/search", {
      params: { path: { media_id: 7 }, query: { profile_id: 4 } },
    });
  });

  it("downloads the picked video, even one that fails the filters", async () => {
    const { posts } = mockApi({
      post: () => ok({ media_id: 7, profile_id: 3, message: "Trailer download started" }, 202),
    });
    const { dialog, onClose, onStarted } = renderDialog();
    await dialog.findByText("Alien 1979 movie trailer");
    const user = userEvent.setup();

    await user.click(dialog.getByLabelText("Replace the present trailer from this profile"));
    await user.click(within(row("aaaaaaaaaa2")).getByRole("button", { name: "Download" }));

    await waitFor(() => expect(onClose).toHaveBeenCalledOnce());
    expect(posts).toHaveBeenCalledWith("/api/v1/media/{media_id}/download", {
      params: { path: { media_id: 7 } },
      body: { profile_id: 3, url: "https://www.youtube.com/watch?v=aaaaaaaaaa2", replace: true },
    });
    expect(onStarted).toHaveBeenCalledWith(
      "Download requested from https://www.youtube.com/watch?v=aaaaaaaaaa2",
      expect.any(Number),
    );
  });

  it("stays open with the reason when the download is refused", async () => {
    mockApi({ post: () => failed(409, "A trailer download is already running for media 7") });
    const { dialog, onClose, onStarted } = renderDialog();
    await dialog.findByText("Alien 1979 movie trailer");

    await userEvent.click(within(row("aaaaaaaaaa1")).getByRole("button", { name: "Download" }));

    expect((await dialog.findByRole("alert")).textContent).toBe(
      "Already downloading: A trailer download is already running for media 7",
    );
    expect(onClose).not.toHaveBeenCalled();
    expect(onStarted).not.toHaveBeenCalled();
  });

  it("shows why the search failed, and tries again on request", async () => {
    let answer: () => unknown = () =>
      failed(502, "YouTube's search failed: YouTube is limiting requests from this address");
    const { gets } = mockApi({ search: () => answer() });
    const { dialog } = renderDialog();

    const alert = await dialog.findByRole("alert");
    expect(alert.textContent).toContain("YouTube is limiting requests from this address");
    // One request: a failed search is not retried by itself.
    const searches = () =>
      gets.mock.calls.filter((call) => (call as unknown[])[0] !== PROFILES_PATH);
    expect(searches()).toHaveLength(1);

    answer = () => ok({ ...RESULTS, candidates: [] });
    await userEvent.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await dialog.findByText("YouTube found no videos for this query.")).toBeTruthy();
    expect(searches()).toHaveLength(2);
  });
});

describe("SearchButton", () => {
  it("opens the search for the media, and closes it", async () => {
    const { gets } = mockApi();
    renderWithQuery(<SearchButton mediaId={7} title="Alien" />);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(gets).not.toHaveBeenCalled();

    await userEvent.click(screen.getByRole("button", { name: "Search trailers" }));
    const dialog = within(screen.getByRole("dialog", { name: "Search trailers: Alien" }));
    await dialog.findByText("Alien 1979 movie trailer");

    await userEvent.click(dialog.getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});
