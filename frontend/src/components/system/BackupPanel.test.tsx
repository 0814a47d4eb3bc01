import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import type { Backup, RestoreState } from "../../hooks/queries/backups";
import type { TaskState } from "../../hooks/queries/tasks";
import { renderWithQuery } from "../../test/query";
import { BackupPanel } from "./BackupPanel";

const MANUAL: Backup = {
  name: "trailarr-20261201T100000000000Z-manual.db",
  type: "manual",
  format: "sqlite",
  size: 3 * 1024 * 1024,
  created: "2026-12-01T10:00:00Z",
};
const BEFORE_UPDATE: Backup = {
  name: "trailarr-20261130T080000000000Z-b213e0443c1b.db",
  type: "before_migration",
  format: "sqlite",
  size: 2048,
  created: "2026-11-30T08:00:00Z",
};
const NEW: Backup = { ...MANUAL, name: "trailarr-20261202T060000000000Z-manual.db" };

const TASK: TaskState = {
  name: "backup",
  description: "Backs the database up",
  enabled: true,
  interval_minutes: 10080,
  running: false,
  last_started_at: null,
  last_finished_at: null,
  last_duration_s: null,
  next_run_at: "2026-12-08T10:00:00Z",
  last_summary: null,
  last_error: null,
};

const NOTHING: RestoreState = {
  supported: true,
  staged: false,
  source: null,
  revision: null,
  size: null,
  staged_at: null,
  message: "No restore is staged",
};

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

type Answer = ReturnType<typeof ok> | ReturnType<typeof failed>;
type Handler = (
  path: string,
  init?: { params?: { path?: { name?: string } }; body?: unknown },
) => Answer;

interface Server {
  backups: Backup[];
  restore: RestoreState;
  keep: number;
  post?: Handler;
}

function setup(server: Partial<Server> = {}) {
  const state: Server = { backups: [MANUAL, BEFORE_UPDATE], restore: NOTHING, keep: 10, ...server };
  const gets = vi.spyOn(api, "GET").mockImplementation(((path: string) => {
    if (path === "/api/v1/backups") return ok(state.backups);
    if (path === "/api/v1/backups/restore") return ok(state.restore);
    if (path === "/api/v1/backups/settings") return ok({ keep: state.keep });
    if (path === "/api/v1/tasks/{name}") return ok(TASK);
    throw new Error(`unexpected GET ${path}`);
  }) as never);
  const posts = vi.spyOn(api, "POST").mockImplementation(((path: string, init: never) => {
    if (state.post) return state.post(path, init);
    throw new Error(`unexpected POST ${path}`);
  }) as never);
  const deletes = vi.spyOn(api, "DELETE").mockImplementation(((
    path: string,
    init?: { params: { path: { name: string } } },
  ) => {
    if (path === "/api/v1/backups/restore") {
      state.restore = NOTHING;
      return ok(NOTHING);
    }
    state.backups = state.backups.filter((b) => b.name !== init?.params.path.name);
    return ok(undefined, 204);
  }) as never);
  const patches = vi.spyOn(api, "PATCH").mockImplementation(((
    path: string,
    init: { body: { keep?: number; interval_minutes?: number } },
  ) => {
    if (path === "/api/v1/backups/settings") {
      if ((init.body.keep ?? 0) < 1) {
        return failed(422, [
          { loc: ["body", "keep"], msg: "Input should be greater than or equal to 1" },
        ]);
      }
      state.keep = init.body.keep ?? state.keep;
      return ok({ keep: state.keep });
    }
    return ok({ ...TASK, ...init.body });
  }) as never);
  renderWithQuery(<BackupPanel />);
  return { state, gets, posts, deletes, patches };
}

afterEach(() => vi.restoreAllMocks());

describe("BackupPanel", () => {
  it("lists the backups with their type, size, date and a download link", async () => {
    setup();
    const row = within(await screen.findByRole("row", { name: new RegExp(MANUAL.name) }));
    expect(row.getByText("Manual")).toBeTruthy();
    expect(row.getByText("3.0 MB")).toBeTruthy();
    const link = row.getByRole("link", { name: `Download ${MANUAL.name}` });
    expect(link.getAttribute("href")).toBe(`/api/v1/backups/${MANUAL.name}/download`);
    const older = within(screen.getByRole("row", { name: new RegExp(BEFORE_UPDATE.name) }));
    expect(older.getByText("Before update")).toBeTruthy();
    expect(((await screen.findByLabelText("Backups kept")) as HTMLInputElement).value).toBe("10");
    await waitFor(() =>
      expect((screen.getByLabelText("Interval") as HTMLSelectElement).value).toBe("10080"),
    );
    expect(screen.getByLabelText("Back up on schedule")).toHaveProperty("checked", true);
  });

  it("backs up now and shows the new backup", async () => {
    const { state, posts } = setup({
      post: (path) => {
        expect(path).toBe("/api/v1/backups");
        state.backups = [NEW, ...state.backups];
        return ok(NEW, 201);
      },
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Back up now" }));
    expect(posts).toHaveBeenCalledWith("/api/v1/backups");
    expect(await screen.findByRole("row", { name: new RegExp(NEW.name) })).toBeTruthy();
  });

  it("shows why a backup could not be taken", async () => {
    setup({
      post: () => failed(409, "A backup is being taken already; try again once it is done"),
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Back up now" }));
    expect((await screen.findByRole("alert")).textContent).toContain("being taken already");
  });

  it("restores a listed backup after a confirmation, then offers to cancel it", async () => {
    const staged: RestoreState = {
      ...NOTHING,
      staged: true,
      source: MANUAL.name,
      revision: "8e4a6c2d0b17",
      size: MANUAL.size,
      staged_at: "2026-12-02T06:00:00Z",
      message: "Restart Trailarr to apply the restore",
    };
    const { posts, deletes } = setup({
      post: (path, init) => {
        expect(path).toBe("/api/v1/backups/{name}/restore");
        expect(init?.params?.path?.name).toBe(MANUAL.name);
        return ok(staged, 202);
      },
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: `Restore ${MANUAL.name}` }));
    const dialog = screen.getByRole("dialog", { name: "Restore this backup?" });
    expect(posts).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole("button", { name: "Restore" }));
    const banner = await screen.findByRole("status", { name: "Staged restore" });
    expect(banner.textContent).toContain(`from ${MANUAL.name}`);
    expect(banner.textContent).toContain("applied at the next start");
    expect(screen.queryByRole("dialog")).toBeNull();

    await user.click(within(banner).getByRole("button", { name: "Cancel restore" }));
    expect(deletes).toHaveBeenCalledWith("/api/v1/backups/restore");
    await waitFor(() =>
      expect(screen.queryByRole("status", { name: "Staged restore" })).toBeNull(),
    );
  });

  it("shows the server's reason in the dialog when a backup cannot be restored", async () => {
    setup({ post: () => failed(422, "The database is damaged: SQLite's integrity check found 2") });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: `Restore ${MANUAL.name}` }));
    const dialog = screen.getByRole("dialog", { name: "Restore this backup?" });
    await user.click(within(dialog).getByRole("button", { name: "Restore" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("damaged");
  });

  it("deletes a backup after a confirmation", async () => {
    const { deletes } = setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: `Delete ${BEFORE_UPDATE.name}` }));
    const dialog = screen.getByRole("dialog", { name: "Delete this backup?" });
    await user.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(deletes).toHaveBeenCalledWith("/api/v1/backups/{name}", {
      params: { path: { name: BEFORE_UPDATE.name } },
    });
    await waitFor(() =>
      expect(screen.queryByRole("row", { name: new RegExp(BEFORE_UPDATE.name) })).toBeNull(),
    );
  });

  it("uploads a file to restore, and shows the 422 reason at the upload", async () => {
    const { posts } = setup({
      post: () => failed(422, "The file is not a SQLite database"),
    });
    const user = userEvent.setup();
    const form = await screen.findByRole("form", { name: "Restore from a file" });
    const file = new File(["hello"], "notes.db", { type: "application/octet-stream" });
    await user.upload(within(form).getByLabelText("Restore from a file"), file);
    await user.click(within(form).getByRole("button", { name: "Upload and restore" }));
    const [path, init] = posts.mock.calls[0] as unknown as [string, { body: FormData }];
    expect(path).toBe("/api/v1/backups/restore");
    expect((init.body.get("file") as File).name).toBe("notes.db");
    expect((await within(form).findByRole("alert")).textContent).toContain("not a SQLite database");
  });

  it("saves the kept count, and shows a refusal at the field", async () => {
    const { patches } = setup();
    const user = userEvent.setup();
    const keep = await screen.findByLabelText("Backups kept");
    await waitFor(() => expect((keep as HTMLInputElement).value).toBe("10"));
    await user.clear(keep);
    await user.type(keep, "0");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Input should be greater than or equal to 1")).toBeTruthy();
    await user.clear(keep);
    await user.type(keep, "4");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(patches).toHaveBeenLastCalledWith("/api/v1/backups/settings", { body: { keep: 4 } });
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
  });

  it("changes the backup interval through the backup task", async () => {
    const { patches } = setup();
    const user = userEvent.setup();
    const interval = await screen.findByLabelText("Interval");
    await waitFor(() => expect((interval as HTMLSelectElement).value).toBe("10080"));
    await user.selectOptions(interval, "1440");
    expect(patches).toHaveBeenCalledWith("/api/v1/tasks/{name}", {
      params: { path: { name: "backup" } },
      body: { interval_minutes: 1440 },
    });
  });

  it("on PostgreSQL offers no restore, and says how to restore instead", async () => {
    setup({
      backups: [
        { ...MANUAL, name: "trailarr-20261201T100000000000Z-manual.pgdump", format: "pgdump" },
      ],
      restore: {
        ...NOTHING,
        supported: false,
        message: "Trailarr does not restore a PostgreSQL database itself: run `pg_restore ...`",
      },
    });
    expect(await screen.findByText(/run `pg_restore/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: /^Restore / })).toBeNull();
    expect(screen.queryByRole("form", { name: "Restore from a file" })).toBeNull();
    expect(screen.getByRole("link", { name: /^Download / })).toBeTruthy();
  });
});
