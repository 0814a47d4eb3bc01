import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { MediaServer } from "../api/types";
import { mediaServerKeys } from "../hooks/queries/keys";
import { makeMediaServer } from "../test/fixtures";
import { renderWithQuery } from "../test/query";
import { MediaServerDialog } from "./MediaServerDialog";

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

type Handler = (path: string, init?: { body?: unknown }) => unknown;

function mockApi({ post }: { post?: Handler } = {}) {
  const posts = vi
    .spyOn(api, "POST")
    .mockImplementation(((path: string, init?: { body?: unknown }) =>
      post ? post(path, init) : ok(makeMediaServer(), 201)) as never);
  const patches = vi.spyOn(api, "PATCH").mockImplementation((() => ok(makeMediaServer())) as never);
  return { posts, patches };
}

function renderDialog(server?: MediaServer) {
  const onClose = vi.fn();
  const { client } = renderWithQuery(<MediaServerDialog server={server} onClose={onClose} />);
  const dialog = within(screen.getByRole("dialog"));
  return { client, onClose, dialog };
}

const JELLYFIN_OK = {
  ok: true,
  server_name: "Jellyfin Server",
  version: "10.9.11",
  error: null,
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("MediaServerDialog", () => {
  it("tests a new Jellyfin and shows its name and version, then saves it with its mappings", async () => {
    const { posts } = mockApi({
      post: (path) => (path === "/api/v1/mediaservers/test" ? ok(JELLYFIN_OK) : ok({}, 201)),
    });
    const { client, onClose, dialog } = renderDialog();
    client.setQueryData(mediaServerKeys.list(), []);
    const user = userEvent.setup();
    await user.selectOptions(dialog.getByLabelText("Kind"), "Jellyfin");
    expect(dialog.getByLabelText("URL").getAttribute("placeholder")).toBe("http://localhost:8096");
    await user.type(dialog.getByLabelText("Name"), "Living room");
    await user.type(dialog.getByLabelText("URL"), "http://127.0.0.1:8096");
    await user.type(dialog.getByLabelText("Token"), "TOKEN");
    await user.click(dialog.getByRole("button", { name: "Add path mapping" }));
    await user.type(dialog.getByLabelText("Jellyfin folder 1"), "/data/movies");
    await user.type(dialog.getByLabelText("Folder here 1"), "/mnt/movies");
    await user.click(dialog.getByRole("button", { name: "Add path mapping" }));
    await user.click(dialog.getByRole("button", { name: "Remove path mapping 2" }));

    await user.click(dialog.getByRole("button", { name: "Test" }));
    expect((await dialog.findByRole("status")).textContent).toBe(
      "Connected: Jellyfin Server 10.9.11",
    );
    const body = {
      name: "Living room",
      kind: "jellyfin",
      url: "http://127.0.0.1:8096",
      token: "TOKEN",
      enabled: true,
      path_mappings: [{ path_from: "/data/movies", path_to: "/mnt/movies" }],
    };
    expect(posts).toHaveBeenCalledWith("/api/v1/mediaservers/test", { body });

    await user.click(dialog.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(posts).toHaveBeenLastCalledWith("/api/v1/mediaservers", { body });
    expect(client.getQueryState(mediaServerKeys.list())?.isInvalidated).toBe(true);
  });

  it("shows the reason a test failed", async () => {
    mockApi({
      post: () => ok({ ok: false, server_name: null, version: null, error: "401: wrong token" }),
    });
    const { dialog } = renderDialog();
    const user = userEvent.setup();
    await user.type(dialog.getByLabelText("URL"), "http://127.0.0.1:32400");
    await user.type(dialog.getByLabelText("Token"), "bad");
    await user.click(dialog.getByRole("button", { name: "Test" }));
    expect((await dialog.findByRole("alert")).textContent).toBe("Test failed: 401: wrong token");
  });

  it("checks the fields before sending anything", async () => {
    const { posts } = mockApi();
    const { dialog } = renderDialog();
    const user = userEvent.setup();
    await user.type(dialog.getByLabelText("URL"), "jellyfin.local");
    await user.click(dialog.getByRole("button", { name: "Add path mapping" }));
    await user.type(dialog.getByLabelText("Plex folder 1"), "/data");
    await user.click(dialog.getByRole("button", { name: "Save" }));
    expect(dialog.getByText("Enter a name")).toBeTruthy();
    expect(dialog.getByText(/Enter the server's address/)).toBeTruthy();
    expect(dialog.getByText("Enter the server's token")).toBeTruthy();
    expect(dialog.getByText(/Fill in both folders/)).toBeTruthy();
    expect(posts).not.toHaveBeenCalled();
  });

  it("edits a server: a blank token keeps the saved one; the saved server is tested as it is", async () => {
    const { posts, patches } = mockApi({ post: () => ok(JELLYFIN_OK) });
    const { onClose, dialog } = renderDialog(makeMediaServer());
    const user = userEvent.setup();
    expect(dialog.getByText(/Saved token: \*{8}abcd/)).toBeTruthy();
    expect((dialog.getByLabelText("Jellyfin folder 1") as HTMLInputElement).value).toBe(
      "/data/movies",
    );
    await user.click(dialog.getByRole("button", { name: "Test" }));
    await dialog.findByText("Connected: Jellyfin Server 10.9.11");
    expect(posts).toHaveBeenCalledWith("/api/v1/mediaservers/{server_id}/test", {
      params: { path: { server_id: 5 } },
    });

    // Another address cannot be tested with the saved token, which the browser never has.
    await user.clear(dialog.getByLabelText("URL"));
    await user.type(dialog.getByLabelText("URL"), "http://10.0.0.2:8096");
    await user.click(dialog.getByRole("button", { name: "Test" }));
    expect(dialog.getByText("Type the token to test a changed server")).toBeTruthy();
    expect(posts).toHaveBeenCalledTimes(1);

    await user.click(dialog.getByRole("button", { name: "Remove path mapping 1" }));
    await user.click(dialog.getByLabelText("Enabled"));
    await user.click(dialog.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(patches).toHaveBeenCalledWith("/api/v1/mediaservers/{server_id}", {
      params: { path: { server_id: 5 } },
      body: {
        name: "Living room",
        kind: "jellyfin",
        url: "http://10.0.0.2:8096",
        enabled: false,
        path_mappings: [],
      },
    });
  });
});
