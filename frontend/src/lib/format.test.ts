import { describe, expect, it } from "vitest";
import {
  formatChannels,
  formatContainer,
  formatDate,
  formatDateTime,
  formatDeletedReason,
  formatDuration,
  formatSize,
  formatSubtitles,
} from "./format";

describe("formatSize", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KB"],
    [1536, "1.5 KB"],
    [1572864, "1.5 MB"],
    [1048575, "1.0 MB"],
    [5 * 1024 ** 3, "5.0 GB"],
  ])("%d bytes → %s", (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  it("shows a dash for missing or impossible values", () => {
    expect(formatSize(null)).toBe("—");
    expect(formatSize(undefined)).toBe("—");
    expect(formatSize(-1)).toBe("—");
    expect(formatSize(Number.NaN)).toBe("—");
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0:00"],
    [2, "0:02"],
    [59.6, "1:00"],
    [125, "2:05"],
    [600, "10:00"],
    [3725, "1:02:05"],
  ])("%d s → %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it("shows a dash for missing values", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(-3)).toBe("—");
  });
});

describe("formatDateTime", () => {
  const iso = "2024-01-01T02:30:00+00:00";

  it("uses the given time zone, which can change the day", () => {
    expect(formatDateTime(iso, { timeZone: "UTC", locale: "en-US" })).toBe("Jan 1, 2024, 02:30 AM");
    expect(formatDateTime(iso, { timeZone: "America/New_York", locale: "en-US" })).toBe(
      "Dec 31, 2023, 09:30 PM",
    );
    expect(formatDateTime(iso, { timeZone: "Asia/Kolkata", locale: "en-US" })).toBe(
      "Jan 1, 2024, 08:00 AM",
    );
  });

  it("follows the locale", () => {
    expect(formatDateTime(iso, { timeZone: "Europe/Berlin", locale: "de-DE" })).toBe(
      "1. Jan. 2024, 03:30",
    );
  });

  it("formats a date alone", () => {
    expect(formatDate(iso, { timeZone: "America/Los_Angeles", locale: "en-US" })).toBe(
      "Dec 31, 2023",
    );
  });

  it("shows a dash for missing or broken timestamps", () => {
    expect(formatDateTime(null)).toBe("—");
    expect(formatDateTime("not a date")).toBe("—");
  });
});

describe("small formatters", () => {
  it("names channel layouts", () => {
    expect(formatChannels("1")).toBe("Mono");
    expect(formatChannels("2")).toBe("Stereo");
    expect(formatChannels("6")).toBe("5.1");
    expect(formatChannels("3")).toBe("3 ch");
    expect(formatChannels("N/A")).toBe("N/A");
  });

  it("lists subtitle languages, or none", () => {
    expect(formatSubtitles("eng,fre")).toBe("eng, fre");
    expect(formatSubtitles("unk")).toBe("none");
    expect(formatSubtitles("")).toBe("none");
  });

  it("explains why a file is gone", () => {
    expect(formatDeletedReason("deleted_by_user")).toBe("deleted by user");
    expect(formatDeletedReason("missing")).toBe("file missing");
    expect(formatDeletedReason("replaced")).toBe("replaced");
    expect(formatDeletedReason(null)).toBe("deleted");
  });
});

describe("formatContainer", () => {
  it("names the file type", () => {
    expect(formatContainer("matroska,webm")).toBe("mkv");
    expect(formatContainer("mov,mp4,m4a,3gp,3g2,mj2")).toBe("mp4");
    expect(formatContainer("webm")).toBe("webm");
    expect(formatContainer("")).toBe("unknown");
  });
});
