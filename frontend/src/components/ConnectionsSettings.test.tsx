import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import { connectionKeys, type Connection } from "../hooks/queries/connections";
import { ConnectionsSettings } from "./ConnectionsSettings";
import { renderWithQuery } from "../test/query";

const RADARR: Connection = {
  id: 4,
  name: "Home Radarr",
  arr_type: "radarr",
  url: "http://radarr.local:7878",
  api_key: "********abcd",
  monitor: "missing",
  added_at: "2026-12-01T10:00:00Z",
  updated_at: "2026-12-01T10:00:00Z",
  path_mappings: [],
};

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

function setup(folders: () => Promise<unknown>) {
  const gets = vi.spyOn(api, "GET").mockImplementation(((path: string) => {
    if (path === "/api/v1/connections") return ok([RADARR]);
    if (path === "/api/v1/connections/{connection_id}/rootfolders") return folders();
    return ok([]);
  }) as never);
  const posts = vi.spyOn(api, "POST").mockImplementation((() => ok(null, 202)) as never);
  const deletes = vi.spyOn(api, "DELETE").mockImplementation((() => ok(undefined, 204)) as never);
  const { client } = renderWithQuery(<ConnectionsSettings />);
  return { client, gets, posts, deletes };
}

const ONE_FOLDER = [
  { path: "/movies", mapped_path: "/mnt/movies", accessible: true, free_space: 1000 },
];

describe("ConnectionsSettings", () => {
  it("lists a connection with its masked key and its status line", async () => {
    const { client } = setup(() => ok(ONE_FOLDER));
    const row = within(await screen.findByRole("row", { name: /Home Radarr/ }));
    expect(row.getByText("********abcd")).toBeTruthy();
    expect(row.getByText("Missing")).toBeTruthy();
    await row.findByText("Radarr, 1 root folder");
    expect(row.getByText("/mnt/movies")).toBeTruthy();
    // A test that passed in this browser adds the version.
    client.setQueryData(connectionKeys.check(RADARR.id), {
      ok: true,
      app_name: "Radarr",
      version: "5.2.6",
      error: null,
    });
    await row.findByText("Radarr 5.2.6, 1 root folder");
  });

  it("shows why the app's root folders cannot be read", async () => {
    setup(() => failed(502, "401 Unauthorized: wrong API key"));
    const row = within(await screen.findByRole("row", { name: /Home Radarr/ }));
    expect((await row.findByRole("alert")).textContent).toBe("401 Unauthorized: wrong API key");
  });

  it("starts a refresh of the connection", async () => {
    const { posts } = setup(() => ok(ONE_FOLDER));
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Refresh Home Radarr" }));
    await screen.findByText("Sync started");
    expect(posts).toHaveBeenCalledWith("/api/v1/connections/{connection_id}/refresh", {
      params: { path: { connection_id: 4 } },
    });
  });

  it("deletes only after confirming", async () => {
    const { deletes } = setup(() => ok(ONE_FOLDER));
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Delete Home Radarr" }));
    const dialog = within(screen.getByRole("dialog", { name: "Delete connection" }));
    await user.click(dialog.getByRole("button", { name: "Cancel" }));
    expect(deletes).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Delete Home Radarr" }));
    await user.click(
      within(screen.getByRole("dialog", { name: "Delete connection" })).getByRole("button", {
        name: "Delete",
      }),
    );
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(deletes).toHaveBeenCalledWith("/api/v1/connections/{connection_id}", {
      params: { path: { connection_id: 4 } },
    });
  });
});
