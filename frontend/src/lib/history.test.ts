import { describe, expect, it } from "vitest";
import { exportHref, failureReason, historyFromParams, localDayStart } from "./history";

describe("history URL state", () => {
  it("reads defaults", () => {
    const { query } = historyFromParams(new URLSearchParams());
    expect(query).toEqual({ page: 1, page_size: 25, sort: "added_at", order: "desc" });
  });

  it("reads filters and ignores unknown sort keys", () => {
    const { query, since } = historyFromParams(
      new URLSearchParams(
        "page=3&size=10&sort=bogus&order=asc&file_exists=false&video_format=h264&profile_id=0&q=alien&since=2024-05-01",
      ),
    );
    expect(query).toMatchObject({
      page: 3,
      page_size: 10,
      sort: "added_at",
      order: "asc",
      file_exists: false,
      video_format: "h264",
      profile_id: 0,
      q: "alien",
    });
    expect(since).toBe("2024-05-01");
    expect(query.since).toBe(new Date("2024-05-01T00:00:00").toISOString());
  });

  it("builds export links with the filters and without paging", () => {
    const href = exportHref("csv", {
      page: 2,
      page_size: 25,
      sort: "size",
      order: "asc",
      file_exists: true,
      audio_format: "aac",
    });
    const url = new URL(href, "http://x");
    expect(url.pathname).toBe("/api/v1/downloads/export");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      format: "csv",
      sort: "size",
      order: "asc",
      file_exists: "true",
      audio_format: "aac",
    });
  });

  it("rejects malformed days", () => {
    expect(localDayStart("2024-5-1")).toBeUndefined();
  });

  it("reads the view and the failed attempts' query", () => {
    expect(historyFromParams(new URLSearchParams()).view).toBe("trailers");
    expect(historyFromParams(new URLSearchParams("show=bogus")).view).toBe("trailers");
    const { view, failed } = historyFromParams(
      new URLSearchParams("show=failed&page=2&size=10&q=heat&file_exists=true&media_id=4"),
    );
    expect(view).toBe("failed");
    expect(failed).toEqual({
      event_type: ["download_failed"],
      page: 2,
      page_size: 10,
      q: "heat",
      media_id: 4,
    });
  });

  it("reads the events view's types and source, ignoring unknown ones", () => {
    const { view, events } = historyFromParams(
      new URLSearchParams(
        "show=events&type=downloaded&type=bogus&type=download_failed&type=downloaded" +
          "&source=sonarr&q=heat&since=2024-05-01",
      ),
    );
    expect(view).toBe("events");
    expect(events).toEqual({
      page: 1,
      page_size: 25,
      event_type: ["downloaded", "download_failed"],
      source: "sonarr",
      q: "heat",
      since: localDayStart("2024-05-01"),
    });
    const plain = historyFromParams(new URLSearchParams("show=events&source=plex&type=x")).events;
    expect(plain).toEqual({ page: 1, page_size: 25 });
  });

  it("shortens a failure to its reason", () => {
    expect(
      failureReason({
        message: "Download from https://x.test/v failed: HTTP Error 404",
        reason: null,
      }),
    ).toBe("HTTP Error 404");
    expect(failureReason({ message: "Download from x failed: a\nb failed: c" })).toBe(
      "a\nb failed: c",
    );
    expect(failureReason({ message: "anything", reason: "not_a_trailer" })).toBe("not_a_trailer");
    expect(failureReason({ message: "Something else went wrong" })).toBe(
      "Something else went wrong",
    );
    expect(failureReason({ message: "" })).toBe("—");
  });
});
