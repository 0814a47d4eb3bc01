import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import { STATUS_REFRESH_MS, systemKeys, type SystemStatus } from "../../hooks/queries/system";
import { renderWithQuery } from "../../test/query";
import { StatusPanel, failingFirst, formatUptime } from "./StatusPanel";

const GIB = 1024 ** 3;

function statusWith(overrides: Partial<SystemStatus> = {}): SystemStatus {
  return {
    about: {
      version: "0.1.0",
      python_version: "3.13.5",
      platform: "Linux-6.1.0-x86_64-with-glibc2.36",
      database_engine: "sqlite",
      database_url: "sqlite:////config/trailarr.db",
      database_size: 5 * 1024 * 1024,
      data_dir: "/config",
      started_at: "2026-12-01T10:00:00Z",
      uptime_seconds: 3 * 86_400 + 4 * 3_600 + 120,
      ytdlp_version: "2026.10.26",
      ffmpeg_version: "5.1.9-0+deb12u1",
      ffprobe_version: "5.1.9-0+deb12u1",
    },
    health: [
      { name: "Database", ok: true, message: "The database can be written" },
      { name: "ffmpeg", ok: true, message: "ffmpeg 5.1.9 (/usr/bin/ffmpeg)" },
      {
        name: "ffprobe",
        ok: false,
        message: "/opt/ffprobe was not found. Trailarr needs ffprobe ... set FFPROBE_PATH",
      },
      { name: "yt-dlp", ok: true, message: "yt-dlp 2026.10.26, released 37 days ago" },
      {
        name: "Library root /tv",
        ok: false,
        message: "/tv does not exist: mount the drive or network share",
      },
    ],
    disk_space: [
      { path: "/config", label: "Data folder", total: 100 * GIB, free: 60 * GIB, error: null },
      { path: "/movies", label: "Library root", total: 1000 * GIB, free: 50 * GIB, error: null },
      {
        path: "/tv",
        label: "Library root (Sonarr)",
        total: null,
        free: null,
        error: "/tv does not exist",
      },
    ],
    ...overrides,
  };
}

function ok(data: unknown) {
  return Promise.resolve({ data, response: { ok: true, status: 200 } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("StatusPanel", () => {
  it("shows the versions, the database and the uptime", async () => {
    const get = vi.spyOn(api, "GET").mockImplementation((() => ok(statusWith())) as never);
    renderWithQuery(<StatusPanel />);
    const about = await screen.findByRole("region", { name: "About" });
    const fact = (id: string) => about.querySelector(`[data-fact="${id}"] dd`)!;
    expect(fact("version").textContent).toBe("0.1.0");
    expect(fact("ytdlp").textContent).toBe("2026.10.26");
    expect(fact("ffmpeg").textContent).toBe("5.1.9-0+deb12u1");
    expect(fact("database").textContent).toBe("SQLite");
    expect(fact("database_size").textContent).toBe("5.0 MB");
    expect(fact("uptime").textContent).toBe("3 days, 4 hours");
    expect(fact("database_url").textContent).toBe("sqlite:////config/trailarr.db");
    expect(fact("data_dir").textContent).toBe("/config");
    expect(get).toHaveBeenCalledWith("/api/v1/system/status");
  });

  it("lists the failing checks first, marked, with what to do", async () => {
    vi.spyOn(api, "GET").mockImplementation((() => ok(statusWith())) as never);
    renderWithQuery(<StatusPanel />);
    const list = await screen.findByRole("list", { name: "Health checks" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((li) => li.dataset.check)).toEqual([
      "ffprobe",
      "Library root /tv",
      "Database",
      "ffmpeg",
      "yt-dlp",
    ]);
    const [ffprobe, , database] = items as [HTMLElement, HTMLElement, HTMLElement];
    expect(ffprobe.className).toContain("is-failing");
    expect(within(ffprobe).getByText("Failing")).toBeTruthy();
    expect(within(ffprobe).getByText(/set FFPROBE_PATH/)).toBeTruthy();
    expect(database.className).toContain("is-ok");
    expect(within(database).getByText("OK")).toBeTruthy();
    expect(screen.getByText("2 of 5 checks fail: what to do is under each.")).toBeTruthy();
  });

  it("says so when every check passes", async () => {
    const health = statusWith().health.map((c) => ({ ...c, ok: true }));
    vi.spyOn(api, "GET").mockImplementation((() => ok(statusWith({ health }))) as never);
    renderWithQuery(<StatusPanel />);
    expect(await screen.findByText("All 5 checks pass.")).toBeTruthy();
    expect(screen.queryByText("Failing")).toBeNull();
  });

  it("shows each folder's free and total space with a bar, or why it has none", async () => {
    vi.spyOn(api, "GET").mockImplementation((() => ok(statusWith())) as never);
    const { container } = renderWithQuery(<StatusPanel />);
    await screen.findByRole("table");
    const row = (path: string) => container.querySelector(`tr[data-path="${path}"]`)!;
    const movies = within(row("/movies") as HTMLElement);
    expect(movies.getByText("50.0 GB")).toBeTruthy();
    expect(movies.getByText("1000.0 GB")).toBeTruthy();
    const meter = movies.getByRole("meter", { name: "Space used on /movies" });
    expect(meter.getAttribute("aria-valuenow")).toBe("95");
    expect(meter.firstElementChild!.className).toContain("is-low"); // 5% free
    const config = within(row("/config") as HTMLElement);
    expect(config.getByRole("meter").getAttribute("aria-valuenow")).toBe("40");
    expect(config.getByRole("meter").firstElementChild!.className).not.toContain("is-low");
    const tv = within(row("/tv") as HTMLElement);
    expect(tv.getByText("Library root (Sonarr)")).toBeTruthy();
    expect(tv.getByText("/tv does not exist")).toBeTruthy();
    expect(tv.queryByRole("meter")).toBeNull();
  });

  it("shows the error with a retry, then the status", async () => {
    const get = vi
      .spyOn(api, "GET")
      .mockImplementationOnce((() => failed(503, "The database cannot be written")) as never)
      .mockImplementation((() => ok(statusWith())) as never);
    renderWithQuery(<StatusPanel />);
    expect((await screen.findByRole("alert")).textContent).toContain(
      "The database cannot be written",
    );
    await userEvent.setup().click(screen.getByRole("button", { name: "Retry" }));
    await screen.findByRole("region", { name: "About" });
    expect(get).toHaveBeenCalledTimes(2);
  });

  it("reads the status again every minute", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const get = vi.spyOn(api, "GET").mockImplementation((() => ok(statusWith())) as never);
    const { client } = renderWithQuery(<StatusPanel />);
    await screen.findByRole("region", { name: "About" });
    expect(get).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(STATUS_REFRESH_MS + 10);
    await waitFor(() => expect(get).toHaveBeenCalledTimes(2));
    expect(client.getQueryData(systemKeys.status())).toEqual(statusWith());
  });
});

describe("formatUptime", () => {
  it("names the two largest units", () => {
    expect(formatUptime(30)).toBe("less than a minute");
    expect(formatUptime(61)).toBe("1 minute");
    expect(formatUptime(2 * 3_600 + 5 * 60)).toBe("2 hours, 5 minutes");
    expect(formatUptime(86_400 + 59)).toBe("1 day");
    expect(formatUptime(2 * 86_400 + 3_600 * 3 + 60 * 7)).toBe("2 days, 3 hours");
  });
});

describe("failingFirst", () => {
  it("keeps the server's order within each group", () => {
    const checks = statusWith().health;
    expect(failingFirst(checks).map((c) => c.ok)).toEqual([false, false, true, true, true]);
  });
});
