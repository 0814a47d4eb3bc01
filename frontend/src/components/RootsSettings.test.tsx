import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { LibraryRoot } from "../hooks/queries/roots";
import { RootsSettings } from "./RootsSettings";
import { renderWithQuery } from "../test/query";

const LOCAL: LibraryRoot = {
  id: 1,
  path: "/mnt/films",
  is_movie: true,
  scan: true,
  connection_id: null,
  kind: "local",
  connection_name: null,
  added_at: "2026-12-01T10:00:00Z",
};

const FROM_RADARR: LibraryRoot = {
  id: 2,
  path: "/mnt/movies",
  is_movie: null,
  scan: true,
  connection_id: 4,
  kind: "connection",
  connection_name: "Home Radarr",
  added_at: "2026-12-01T10:00:00Z",
};

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

const SUMMARY = {
  roots: 1,
  unavailable_roots: 0,
  folders: 3,
  added: 2,
  updated: 1,
  removed: 0,
  skipped: 0,
  errors: 0,
};

function setup(post: (path: string) => Promise<unknown> = () => ok(SUMMARY, 202)) {
  const gets = vi
    .spyOn(api, "GET")
    .mockImplementation(((path: string) =>
      path === "/api/v1/roots" ? ok([LOCAL, FROM_RADARR]) : ok([])) as never);
  const posts = vi.spyOn(api, "POST").mockImplementation(post as never);
  const deletes = vi.spyOn(api, "DELETE").mockImplementation((() => ok(undefined, 204)) as never);
  renderWithQuery(<RootsSettings />);
  return { gets, posts, deletes };
}

describe("RootsSettings", () => {
  it("lists local and connection roots; a connection's root cannot be deleted here", async () => {
    setup();
    const local = within(await screen.findByRole("row", { name: /\/mnt\/films/ }));
    expect(local.getByText("Local")).toBeTruthy();
    expect(local.getByText("Movies")).toBeTruthy();
    expect(local.getByRole("button", { name: "Delete /mnt/films" })).toBeTruthy();
    const radarr = within(screen.getByRole("row", { name: /\/mnt\/movies/ }));
    expect(radarr.getByText("Connection: Home Radarr")).toBeTruthy();
    expect(radarr.queryByRole("button", { name: /Delete/ })).toBeNull();
    expect(radarr.queryByRole("button", { name: /Scan/ })).toBeNull();
    expect(radarr.getByText(/remove it there, or delete the connection/)).toBeTruthy();
  });

  it("adds a local root", async () => {
    const { posts } = setup(() => ok({ ...LOCAL, id: 3, path: "/mnt/shows" }, 201));
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add root" }));
    const dialog = within(screen.getByRole("dialog", { name: "Add library root" }));
    await user.type(dialog.getByLabelText("Folder"), "/mnt/shows");
    await user.selectOptions(dialog.getByLabelText("Holds"), "series");
    await user.click(dialog.getByLabelText("Scan it into the library"));
    await user.click(dialog.getByRole("button", { name: "Add root" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(posts).toHaveBeenCalledWith("/api/v1/roots", {
      body: { path: "/mnt/shows", is_movie: false, scan: false },
    });
  });

  it("shows the server's reason a folder was refused", async () => {
    setup(() => failed(422, "folder not found: /mnt/nothing"));
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add root" }));
    const dialog = within(screen.getByRole("dialog", { name: "Add library root" }));
    await user.type(dialog.getByLabelText("Folder"), "/mnt/nothing");
    await user.click(dialog.getByRole("button", { name: "Add root" }));
    expect((await dialog.findByRole("alert")).textContent).toBe("folder not found: /mnt/nothing");
  });

  it("refuses a relative folder before asking the server", async () => {
    const { posts } = setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add root" }));
    const dialog = within(screen.getByRole("dialog", { name: "Add library root" }));
    await user.type(dialog.getByLabelText("Folder"), "movies");
    await user.click(dialog.getByRole("button", { name: "Add root" }));
    expect((await dialog.findByRole("alert")).textContent).toContain("absolute");
    expect(posts).not.toHaveBeenCalled();
  });

  it("scans a local root now and deletes one after confirming", async () => {
    const { posts, deletes } = setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Scan /mnt/films now" }));
    await screen.findByText("Scanned: 2 added, 1 updated, 0 removed");
    expect(posts).toHaveBeenCalledWith("/api/v1/roots/{root_id}/scan", {
      params: { path: { root_id: 1 } },
    });
    await user.click(screen.getByRole("button", { name: "Delete /mnt/films" }));
    const dialog = within(screen.getByRole("dialog", { name: "Delete library root" }));
    await user.click(dialog.getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(deletes).toHaveBeenCalled());
    expect(deletes).toHaveBeenCalledWith("/api/v1/roots/{root_id}", {
      params: { path: { root_id: 1 }, query: {} },
    });
  });

  it("offers to delete a root that holds media anyway, after the server's reason", async () => {
    const { deletes } = setup();
    deletes.mockImplementation(((_path: string, init: { params: { query: object } }) =>
      "force" in init.params.query
        ? ok(undefined, 204)
        : failed(409, "The library root /mnt/films holds 2 media folder(s)")) as never);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Delete /mnt/films" }));
    const dialog = within(screen.getByRole("dialog", { name: "Delete library root" }));
    await user.click(dialog.getByRole("button", { name: "Delete" }));
    expect((await dialog.findByRole("alert")).textContent).toContain("holds 2 media folder(s)");
    await user.click(dialog.getByRole("button", { name: "Delete anyway" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(deletes).toHaveBeenLastCalledWith("/api/v1/roots/{root_id}", {
      params: { path: { root_id: 1 }, query: { force: true } },
    });
  });
});
