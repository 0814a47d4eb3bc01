import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import { connectionKeys, type Connection } from "../hooks/queries/connections";
import { ConnectionDialog } from "./ConnectionDialog";
import { renderWithQuery } from "../test/query";

const SAVED: Connection = {
  id: 4,
  name: "Radarr",
  arr_type: "radarr",
  url: "http://radarr.local:7878",
  api_key: "********abcd",
  monitor: "new",
  added_at: "2026-12-01T10:00:00Z",
  updated_at: "2026-12-01T10:00:00Z",
  path_mappings: [{ id: 1, connection_id: 4, path_from: "/movies", path_to: "/mnt/movies" }],
};

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

type Handler = (path: string, init?: { body?: unknown }) => unknown;

function mockApi({ post, patch }: { post?: Handler; patch?: Handler }) {
  const posts = vi
    .spyOn(api, "POST")
    .mockImplementation(((path: string, init?: { body?: unknown }) =>
      post ? post(path, init) : ok({})) as never);
  const patches = vi
    .spyOn(api, "PATCH")
    .mockImplementation(((path: string, init?: { body?: unknown }) =>
      patch ? patch(path, init) : ok(SAVED)) as never);
  return { posts, patches };
}

function renderDialog(connection?: Connection) {
  const onClose = vi.fn();
  const { client } = renderWithQuery(
    <ConnectionDialog connection={connection} onClose={onClose} />,
  );
  const dialog = within(screen.getByRole("dialog"));
  return { client, onClose, dialog };
}

async function fillNew(dialog: ReturnType<typeof within>) {
  const user = userEvent.setup();
  await user.type(dialog.getByLabelText("Name"), "My Radarr");
  await user.type(dialog.getByLabelText("URL"), "http://127.0.0.1:7878");
  await user.type(dialog.getByLabelText("API key"), "secret-key-1234");
  return user;
}

describe("ConnectionDialog", () => {
  it("shows the reason a test failed", async () => {
    const { posts } = mockApi({
      post: () =>
        ok({
          ok: false,
          app_name: null,
          version: null,
          error: "401 Unauthorized: wrong API key",
        }),
    });
    const { dialog } = renderDialog();
    const user = await fillNew(dialog);
    await user.click(dialog.getByRole("button", { name: "Test" }));
    expect(await dialog.findByRole("alert")).toHaveProperty(
      "textContent",
      "Test failed: 401 Unauthorized: wrong API key",
    );
    expect(posts).toHaveBeenCalledWith("/api/v1/connections/test", {
      body: expect.objectContaining({
        arr_type: "radarr",
        url: "http://127.0.0.1:7878",
        api_key: "secret-key-1234",
      }),
    });
  });

  it("shows the app and version when the test passes", async () => {
    mockApi({ post: () => ok({ ok: true, app_name: "Radarr", version: "5.2.6", error: null }) });
    const { dialog } = renderDialog();
    const user = await fillNew(dialog);
    await user.click(dialog.getByRole("button", { name: "Test" }));
    expect((await dialog.findByRole("status")).textContent).toContain("Connected: Radarr 5.2.6");
  });

  it("shows the server's 422 reason when saving fails, and stays open", async () => {
    const { posts } = mockApi({
      post: (path) =>
        path === "/api/v1/connections"
          ? failed(422, "Cannot reach the app (connection refused or host not found)")
          : ok({}),
    });
    const { dialog, onClose } = renderDialog();
    const user = await fillNew(dialog);
    await user.click(dialog.getByRole("button", { name: "Save" }));
    expect((await dialog.findByRole("alert")).textContent).toBe(
      "Not saved: Cannot reach the app (connection refused or host not found)",
    );
    expect(posts).toHaveBeenCalledTimes(1);
    expect(onClose).not.toHaveBeenCalled();
  });

  it("creates a connection with the key, the monitor mode and the path mappings", async () => {
    const { posts } = mockApi({ post: () => ok({ ...SAVED, id: 9 }, 201) });
    const { dialog, onClose } = renderDialog();
    const user = await fillNew(dialog);
    await user.click(dialog.getByLabelText("Missing"));
    await user.click(dialog.getByRole("button", { name: "Add path mapping" }));
    await user.click(dialog.getByRole("button", { name: "Add path mapping" }));
    await user.click(dialog.getByRole("button", { name: "Add path mapping" }));
    await user.type(dialog.getByLabelText("Radarr folder 1"), "/first");
    await user.type(dialog.getByLabelText("Folder here 1"), "/here/first");
    await user.type(dialog.getByLabelText("Radarr folder 2"), "/movies");
    await user.type(dialog.getByLabelText("Folder here 2"), "/mnt/movies");
    await user.type(dialog.getByLabelText("Radarr folder 3"), "/tv");
    await user.type(dialog.getByLabelText("Folder here 3"), "/mnt/tv");
    await user.click(dialog.getByRole("button", { name: "Remove path mapping 1" }));
    expect(dialog.getAllByRole("button", { name: /^Remove path mapping/ })).toHaveLength(2);
    // The rows renumber: what was row 2 is row 1 now.
    expect(dialog.getByLabelText("Radarr folder 1")).toHaveProperty("value", "/movies");
    await user.click(dialog.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(posts).toHaveBeenCalledWith("/api/v1/connections", {
      body: {
        name: "My Radarr",
        arr_type: "radarr",
        url: "http://127.0.0.1:7878",
        api_key: "secret-key-1234",
        monitor: "missing",
        path_mappings: [
          { path_from: "/movies", path_to: "/mnt/movies" },
          { path_from: "/tv", path_to: "/mnt/tv" },
        ],
      },
    });
  });

  it("refuses a half-filled path mapping row without a request", async () => {
    const { posts } = mockApi({});
    const { dialog } = renderDialog();
    const user = await fillNew(dialog);
    await user.click(dialog.getByRole("button", { name: "Add path mapping" }));
    await user.type(dialog.getByLabelText("Radarr folder 1"), "/movies");
    await user.click(dialog.getByRole("button", { name: "Save" }));
    expect((await dialog.findByRole("alert")).textContent).toContain(
      "Fill in both folders of each path mapping",
    );
    expect(posts).not.toHaveBeenCalled();
  });

  it("never sends the masked key back as a new key", async () => {
    const { patches } = mockApi({});
    const { dialog, onClose } = renderDialog(SAVED);
    const user = userEvent.setup();
    expect(dialog.getByLabelText("API key")).toHaveProperty("value", "");
    expect(dialog.getByText(/Saved key: \*+abcd/)).toBeTruthy();
    expect(dialog.getByLabelText("Radarr folder 1")).toHaveProperty("value", "/movies");
    await user.clear(dialog.getByLabelText("Name"));
    await user.type(dialog.getByLabelText("Name"), "Radarr 4K");
    await user.click(dialog.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(patches).toHaveBeenCalledTimes(1);
    const [path, init] = patches.mock.calls[0] as unknown as [string, { body: object }];
    expect(path).toBe("/api/v1/connections/{connection_id}");
    expect(init.body).not.toHaveProperty("api_key");
    expect(init.body).toMatchObject({
      name: "Radarr 4K",
      path_mappings: [{ path_from: "/movies", path_to: "/mnt/movies" }],
    });
  });

  it("sends a key the user typed when editing", async () => {
    const { patches } = mockApi({});
    const { dialog, onClose } = renderDialog(SAVED);
    const user = userEvent.setup();
    await user.type(dialog.getByLabelText("API key"), "a-new-key");
    await user.click(dialog.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const [, init] = patches.mock.calls[0] as unknown as [string, { body: object }];
    expect(init.body).toHaveProperty("api_key", "a-new-key");
  });

  it("tests a saved connection again with the new key, for the status line's version", async () => {
    const { posts } = mockApi({
      post: (path) =>
        path === "/api/v1/connections/test"
          ? ok({ ok: true, app_name: "Radarr", version: "5.2.6", error: null })
          : ok({ ...SAVED, id: 9 }, 201),
    });
    const { dialog, client, onClose } = renderDialog();
    const user = await fillNew(dialog);
    await user.click(dialog.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    await waitFor(() =>
      expect(client.getQueryData(connectionKeys.check(9))).toMatchObject({ version: "5.2.6" }),
    );
    expect(posts).toHaveBeenLastCalledWith("/api/v1/connections/test", {
      body: expect.objectContaining({ api_key: "secret-key-1234" }),
    });
  });

  it("asks for the key again to test a saved connection", async () => {
    const { posts } = mockApi({});
    const { dialog } = renderDialog(SAVED);
    const user = userEvent.setup();
    await user.click(dialog.getByRole("button", { name: "Test" }));
    expect((await dialog.findByRole("alert")).textContent).toContain("Type the key to test");
    expect(posts).not.toHaveBeenCalled();
  });
});
