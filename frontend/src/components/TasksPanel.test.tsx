import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { TaskState } from "../hooks/queries/tasks";
import { renderWithQuery } from "../test/query";
import { TasksPanel, formatInterval } from "./TasksPanel";

function task(overrides: Partial<TaskState>): TaskState {
  return {
    name: "sync",
    description: "Brings in the movies and series of every connection",
    enabled: true,
    interval_minutes: 60,
    running: false,
    last_started_at: "2026-12-01T10:00:00Z",
    last_finished_at: "2026-12-01T10:00:05Z",
    last_duration_s: 5.2,
    next_run_at: "2026-12-01T11:00:00Z",
    last_summary: { added: 3 },
    last_error: null,
    ...overrides,
  };
}

const TASKS = [
  task({}),
  task({
    name: "backfill",
    description: "Records trailer files found in media folders",
    interval_minutes: 1440,
    last_started_at: null,
    last_finished_at: null,
    last_duration_s: null,
    last_summary: null,
  }),
  task({ name: "cleanup", enabled: false, next_run_at: null, last_error: "OSError: disk full" }),
];

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

function setup(patch: (path: string, init: { body: object }) => Promise<unknown>) {
  let list = TASKS;
  vi.spyOn(api, "GET").mockImplementation((() => ok(list)) as never);
  const patches = vi.spyOn(api, "PATCH").mockImplementation(((
    path: string,
    init: { params: { path: { name: string } }; body: object },
  ) =>
    patch(path, init).then((answer) => {
      const { data } = answer as { data?: TaskState };
      if (data) list = list.map((t) => (t.name === data.name ? data : t));
      return answer;
    })) as never);
  const posts = vi
    .spyOn(api, "POST")
    .mockImplementation(((_path: string, init: { params: { path: { name: string } } }) =>
      ok({ ...TASKS[0], name: init.params.path.name, running: true }, 202)) as never);
  renderWithQuery(<TasksPanel />);
  return { patches, posts };
}

afterEach(() => vi.restoreAllMocks());

describe("TasksPanel", () => {
  it("shows each task's schedule, last run and next run", async () => {
    setup(() => ok(TASKS[0]));
    const sync = within(await screen.findByRole("row", { name: /^sync/ }));
    expect((sync.getByLabelText("Interval of sync") as HTMLSelectElement).value).toBe("60");
    expect(sync.getByText(/took 0:05/)).toBeTruthy();
    expect((sync.getByLabelText("Run sync on schedule") as HTMLInputElement).checked).toBe(true);
    const backfill = within(screen.getByRole("row", { name: /^backfill/ }));
    expect(backfill.getByText("Never")).toBeTruthy();
    const cleanup = within(screen.getByRole("row", { name: /^cleanup/ }));
    expect(cleanup.getByText("Failed: OSError: disk full")).toBeTruthy();
    expect(cleanup.getAllByText("Off")).toHaveLength(2); // the toggle and the next run
  });

  it("changes the interval and turns a task off", async () => {
    const { patches } = setup((_path, init) => ok({ ...TASKS[0], ...init.body }));
    const user = userEvent.setup();
    const select = await screen.findByLabelText("Interval of sync");
    await user.selectOptions(select, "360");
    await waitFor(() =>
      expect(patches).toHaveBeenCalledWith("/api/v1/tasks/{name}", {
        params: { path: { name: "sync" } },
        body: { interval_minutes: 360 },
      }),
    );
    await waitFor(() => expect((select as HTMLSelectElement).value).toBe("360"));
    await user.click(screen.getByLabelText("Run sync on schedule"));
    await waitFor(() =>
      expect(patches).toHaveBeenLastCalledWith("/api/v1/tasks/{name}", {
        params: { path: { name: "sync" } },
        body: { enabled: false },
      }),
    );
  });

  it("shows the server's reason when it refuses a schedule", async () => {
    setup(() => failed(422, "interval_minutes: must be at least 5"));
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText("Interval of sync"), "15");
    const row = within(screen.getByRole("row", { name: /^sync/ }));
    expect((await row.findByRole("alert")).textContent).toContain("must be at least 5");
  });

  it("runs a task now", async () => {
    const { posts } = setup(() => ok(TASKS[0]));
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Run backfill now" }));
    expect(posts).toHaveBeenCalledWith("/api/v1/tasks/{name}", {
      params: { path: { name: "backfill" } },
    });
  });

  it("names intervals the way people say them", () => {
    expect(formatInterval(60)).toBe("Every hour");
    expect(formatInterval(360)).toBe("Every 6 hours");
    expect(formatInterval(1440)).toBe("Every day");
    expect(formatInterval(10080)).toBe("Every week");
    expect(formatInterval(45)).toBe("Every 45 minutes");
  });
});
