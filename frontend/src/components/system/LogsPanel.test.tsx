import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import type { LogFile, LogLine } from "../../hooks/queries/logs";
import { renderWithQuery } from "../../test/query";
import { LogsPanel, formatLogTime, linesQuery } from "./LogsPanel";

const LINES: LogLine[] = [
  {
    time: "2026-12-01T12:00:03.250000Z",
    level: "ERROR",
    logger: "trailarr.Tasks",
    message:
      'Task sync failed\nTraceback (most recent call last):\n  File "x.py", line 1\nValueError: bad',
  },
  {
    time: "2026-12-01T12:00:02Z",
    level: "WARNING",
    logger: "trailarr.Arr",
    message: "Radarr is slow",
  },
  { time: "2026-12-01T12:00:01Z", level: "INFO", logger: "trailarr.App", message: "Started" },
];

const FILES: LogFile[] = [
  { name: "trailarr.log", size: 2048, modified: "2026-12-01T12:00:03Z" },
  { name: "trailarr.log.1", size: 5 * 1024 * 1024, modified: "2026-11-30T08:00:00Z" },
];

function ok(data: unknown) {
  return Promise.resolve({ data, response: { ok: true, status: 200 } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

type Init = { params?: { query?: Record<string, unknown> }; body?: { level: string } };

/** The `index`th of `items`, which the test knows is there. */
function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index} of ${items.length}`);
  return item;
}

function setup({ put }: { put?: (level: string) => Promise<unknown> } = {}) {
  let level = "INFO";
  const gets = vi.spyOn(api, "GET").mockImplementation(((path: string) => {
    if (path === "/api/v1/logs/files") return ok(FILES);
    if (path === "/api/v1/logs/level") return ok({ level });
    return ok(LINES);
  }) as never);
  const puts = vi.spyOn(api, "PUT").mockImplementation(((_path: string, init: Init) => {
    const wanted = init.body?.level ?? "";
    const answer = put ? put(wanted) : ok({ level: wanted });
    return answer.then((result) => {
      if ((result as { data?: unknown }).data) level = wanted;
      return result;
    });
  }) as never);
  renderWithQuery(
    <MemoryRouter initialEntries={["/system/logs"]}>
      <LogsPanel />
    </MemoryRouter>,
  );
  const calls = () => gets.mock.calls as unknown as [string, Init | undefined][];
  const linesCalls = () =>
    calls()
      .filter(([path]) => path === "/api/v1/logs/lines")
      .map(([, init]) => init?.params?.query);
  return { calls, puts, linesCalls };
}

afterEach(() => vi.restoreAllMocks());

describe("LogsPanel", () => {
  it("shows the lines with their level, a traceback preformatted, and the files", async () => {
    setup();
    const table = await screen.findByRole("table", { name: /Recent log lines/ });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((row) => row.getAttribute("data-level"))).toEqual(["ERROR", "WARNING", "INFO"]);
    const error = within(nth(rows, 0));
    expect(error.getByText("ERROR").className).toContain("log-level-error");
    expect(error.getByText("trailarr.Tasks")).toBeTruthy();
    const time = nth(rows, 0).querySelector("time");
    expect(time?.getAttribute("dateTime")).toBe("2026-12-01T12:00:03.250000Z");
    expect(time?.textContent).toBe(formatLogTime("2026-12-01T12:00:03.250000Z"));
    const traceback = nth(rows, 0).querySelector("pre");
    expect(traceback?.textContent).toBe(
      'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad',
    );
    expect(nth(rows, 1).querySelector("pre")).toBeNull();

    const files = await screen.findByRole("table", { name: "Log files" });
    const link = within(files).getByRole("link", { name: "trailarr.log" });
    expect(link.getAttribute("href")).toBe("/api/v1/logs/files/trailarr.log");
    expect(link.hasAttribute("download")).toBe(true);
    expect(within(files).getByText("2.0 KB")).toBeTruthy();
    expect(within(files).getByText("5.0 MB")).toBeTruthy();
  });

  it("asks for a minimum level and a search, the search once typing pauses", async () => {
    const { linesCalls } = setup();
    const user = userEvent.setup();
    await screen.findByRole("table", { name: /Recent log lines/ });
    expect(linesCalls()[0]).toEqual({});

    await user.selectOptions(screen.getByLabelText("Show"), "WARNING");
    await waitFor(() => expect(linesCalls().at(-1)).toEqual({ level: "WARNING" }));

    await user.type(screen.getByLabelText("Search"), "radarr");
    await waitFor(() =>
      expect(linesCalls().at(-1)).toEqual({ level: "WARNING", search: "radarr" }),
    );
    // One request for the whole word, not one per letter.
    expect(linesCalls().filter((q) => q?.search && q.search !== "radarr")).toEqual([]);
  });

  it("sets the log level and says it is saved", async () => {
    const { puts } = setup();
    const user = userEvent.setup();
    const select = (await screen.findByLabelText("Log level")) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe("INFO"));

    await user.selectOptions(select, "DEBUG");

    expect(puts).toHaveBeenCalledWith("/api/v1/logs/level", { body: { level: "DEBUG" } });
    expect(
      (await screen.findByText(/Saved: Trailarr logs from DEBUG on/)).getAttribute("role"),
    ).toBe("status");
    expect(select.value).toBe("DEBUG");
  });

  it("shows the server's reason when the level is refused", async () => {
    setup({ put: () => failed(500, "The log level could not be saved: disk full") });
    const user = userEvent.setup();
    const select = (await screen.findByLabelText("Log level")) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe("INFO"));
    await user.selectOptions(select, "ERROR");
    expect((await screen.findByRole("alert")).textContent).toContain("disk full");
    await waitFor(() => expect(select.value).toBe("INFO"));
  });

  it("reads the lines and files again on Refresh", async () => {
    const { calls } = setup();
    const user = userEvent.setup();
    await screen.findByRole("table", { name: /Recent log lines/ });
    await screen.findByRole("table", { name: "Log files" });
    const count = (path: string) => calls().filter(([p]) => p === path).length;
    const lines = count("/api/v1/logs/lines");
    const files = count("/api/v1/logs/files");
    await user.click(screen.getByRole("button", { name: "Refresh" }));
    await waitFor(() => expect(count("/api/v1/logs/lines")).toBe(lines + 1));
    expect(count("/api/v1/logs/files")).toBe(files + 1);
  });
});

describe("formatLogTime", () => {
  it("shows the time to the millisecond in the viewer's time zone", () => {
    const options = { locale: "en-GB", timeZone: "America/New_York" };
    expect(formatLogTime("2026-12-01T12:00:03.250000Z", options)).toBe("01/12/2026, 07:00:03.250");
    expect(formatLogTime("2026-12-01T12:00:03+01:00", options)).toBe("01/12/2026, 06:00:03.000");
    expect(formatLogTime(null)).toBe("—");
  });
});

describe("linesQuery", () => {
  it("keeps known levels and a trimmed search", () => {
    expect(linesQuery(new URLSearchParams("level=warning&search=%20arr%20"))).toEqual({
      level: "WARNING",
      search: "arr",
    });
    expect(linesQuery(new URLSearchParams("level=LOUD&search="))).toEqual({});
  });
});
