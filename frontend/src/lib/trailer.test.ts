import { describe, expect, it } from "vitest";
import { sourceHref, trailerFields, trailerProblem, trailerText } from "./trailer";

describe("trailer field", () => {
  it("saves an id as the YouTube id, a link as the URL, blank as neither", () => {
    expect(trailerFields(" dQw4w9WgXcQ ")).toEqual({
      youtube_trailer_id: "dQw4w9WgXcQ",
      trailer_url: null,
    });
    expect(trailerFields("https://youtu.be/dQw4w9WgXcQ")).toEqual({
      youtube_trailer_id: null,
      trailer_url: "https://youtu.be/dQw4w9WgXcQ",
    });
    expect(trailerFields("  ")).toEqual({ youtube_trailer_id: null, trailer_url: null });
  });

  it("refuses what is neither an id nor an http(s) address", () => {
    expect(trailerProblem("not a trailer")).toMatch(/YouTube id/);
    expect(trailerProblem("ftp://example.com/a.mp4")).toMatch(/http/);
    expect(trailerProblem("https://vimeo.com/1")).toBeNull();
    expect(trailerProblem("")).toBeNull();
  });

  it("shows the URL before the id", () => {
    expect(
      trailerText({ youtube_trailer_id: "dQw4w9WgXcQ", trailer_url: "https://x.test/v" }),
    ).toBe("https://x.test/v");
    expect(trailerText({ youtube_trailer_id: "dQw4w9WgXcQ" })).toBe("dQw4w9WgXcQ");
  });

  it("links a source: a YouTube id to its watch page, an http(s) address as is", () => {
    expect(sourceHref("dQw4w9WgXcQ")).toBe("https://www.youtube.com/watch?v=dQw4w9WgXcQ");
    expect(sourceHref("https://vimeo.com/76979871")).toBe("https://vimeo.com/76979871");
    expect(sourceHref("javascript:alert(1)")).toBeNull();
    expect(sourceHref("file:///etc/passwd")).toBeNull();
    expect(sourceHref("short")).toBeNull();
    expect(sourceHref(null)).toBeNull();
  });
});
