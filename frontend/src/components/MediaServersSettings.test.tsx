import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import { makeMediaServer } from "../test/fixtures";
import { renderWithQuery } from "../test/query";
import { MediaServersSettings } from "./MediaServersSettings";

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

const JELLYFIN = makeMediaServer();
const PLEX = makeMediaServer({
  id: 6,
  name: "Basement",
  kind: "plex",
  url: "http://plex.local:32400",
  token: "********wxyz",
  enabled: false,
  path_mappings: [],
});

function setup(post: (path: string) => unknown) {
  vi.spyOn(api, "GET").mockImplementation(((path: string) =>
    path === "/api/v1/mediaservers" ? ok([JELLYFIN, PLEX]) : ok([])) as never);
  const posts = vi.spyOn(api, "POST").mockImplementation(post as never);
  const deletes = vi.spyOn(api, "DELETE").mockImplementation((() => ok(undefined, 204)) as never);
  renderWithQuery(<MediaServersSettings />);
  return { posts, deletes };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("MediaServersSettings", () => {
  it("lists the servers with their kind, masked token and path mappings", async () => {
    setup(() => ok({}));
    const jellyfin = within(await screen.findByRole("row", { name: /^Living room / }));
    expect(jellyfin.getByText("Jellyfin")).toBeTruthy();
    expect(jellyfin.getByText("********abcd")).toBeTruthy();
    expect(jellyfin.getByText("/data/movies")).toBeTruthy();
    expect(jellyfin.getByText("/mnt/movies")).toBeTruthy();
    expect(jellyfin.getByText("Yes")).toBeTruthy();
    const plex = within(screen.getByRole("row", { name: /^Basement / }));
    expect(plex.getByText("Plex")).toBeTruthy();
    expect(plex.getByText("None")).toBeTruthy();
    expect(plex.getByText("No")).toBeTruthy();
  });

  it("tests a saved server from its row: its name and version, or why not", async () => {
    const { posts } = setup(() =>
      ok({ ok: true, server_name: "Jellyfin Server", version: "10.9.11", error: null }),
    );
    const user = userEvent.setup();
    const row = within(await screen.findByRole("row", { name: /^Living room / }));
    await user.click(row.getByRole("button", { name: "Test Living room" }));
    expect((await row.findByRole("status")).textContent).toBe("Jellyfin Server 10.9.11");
    expect(posts).toHaveBeenCalledWith("/api/v1/mediaservers/{server_id}/test", {
      params: { path: { server_id: 5 } },
    });

    posts.mockImplementation((() =>
      ok({ ok: false, server_name: null, version: null, error: "Connection refused" })) as never);
    const plex = within(screen.getByRole("row", { name: /^Basement / }));
    await user.click(plex.getByRole("button", { name: "Test Basement" }));
    expect((await plex.findByRole("alert")).textContent).toBe("Test failed: Connection refused");
  });

  it("deletes only after confirming", async () => {
    const { deletes } = setup(() => ok({}));
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Delete Basement" }));
    const dialog = within(screen.getByRole("dialog", { name: "Delete media server" }));
    await user.click(dialog.getByRole("button", { name: "Cancel" }));
    expect(deletes).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Delete Basement" }));
    await user.click(
      within(screen.getByRole("dialog", { name: "Delete media server" })).getByRole("button", {
        name: "Delete",
      }),
    );
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(deletes).toHaveBeenCalledWith("/api/v1/mediaservers/{server_id}", {
      params: { path: { server_id: 6 } },
    });
  });

  it("opens the dialog to edit a server", async () => {
    setup(() => ok({}));
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Edit Basement" }));
    const dialog = within(screen.getByRole("dialog", { name: "Edit Basement" }));
    expect((dialog.getByLabelText("Kind") as HTMLSelectElement).value).toBe("plex");
    expect((dialog.getByLabelText("URL") as HTMLInputElement).value).toBe(
      "http://plex.local:32400",
    );
  });
});
