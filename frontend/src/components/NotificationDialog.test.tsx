import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { NotificationTarget } from "../api/types";
import { notificationKeys } from "../hooks/queries/keys";
import { makeNotification } from "../test/fixtures";
import { renderWithQuery } from "../test/query";
import { APPRISE_DOCS, NotificationDialog } from "./NotificationDialog";

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

type Handler = (path: string, init?: { body?: unknown }) => unknown;

function mockApi({ post, patch }: { post?: Handler; patch?: Handler } = {}) {
  const posts = vi
    .spyOn(api, "POST")
    .mockImplementation(((path: string, init?: { body?: unknown }) =>
      post ? post(path, init) : ok(makeNotification(), 201)) as never);
  const patches = vi
    .spyOn(api, "PATCH")
    .mockImplementation(((path: string, init?: { body?: unknown }) =>
      patch ? patch(path, init) : ok(makeNotification())) as never);
  return { posts, patches };
}

function renderDialog(target?: NotificationTarget) {
  const onClose = vi.fn();
  const { client } = renderWithQuery(<NotificationDialog target={target} onClose={onClose} />);
  const dialog = within(screen.getByRole("dialog"));
  return { client, onClose, dialog };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("NotificationDialog", () => {
  it("adds a target with its URL and the events checked", async () => {
    const { posts } = mockApi();
    const { client, onClose, dialog } = renderDialog();
    client.setQueryData(notificationKeys.list(), []);
    const user = userEvent.setup();
    expect(dialog.getByRole("link", { name: /Apprise's URL format/ }).getAttribute("href")).toBe(
      APPRISE_DOCS,
    );
    // "Trailer downloaded" is checked at first.
    expect((dialog.getByLabelText("Trailer downloaded") as HTMLInputElement).checked).toBe(true);
    await user.type(dialog.getByLabelText("Name"), " Discord ");
    await user.type(dialog.getByLabelText("Apprise URL"), "discord://1234/abcd");
    await user.click(dialog.getByLabelText("Health"));
    await user.click(dialog.getByLabelText("Download failed"));
    await user.click(dialog.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(posts).toHaveBeenCalledWith("/api/v1/notifications", {
      body: {
        name: "Discord",
        url: "discord://1234/abcd",
        enabled: true,
        // In the list's order, whatever the order of the clicks.
        events: ["downloaded", "download_failed", "health"],
      },
    });
    expect(client.getQueryState(notificationKeys.list())?.isInvalidated).toBe(true);
  });

  it("says what is missing before sending anything", async () => {
    const { posts } = mockApi();
    const { dialog } = renderDialog();
    const user = userEvent.setup();
    await user.click(dialog.getByLabelText("Trailer downloaded"));
    await user.click(dialog.getByRole("button", { name: "Save" }));
    expect(dialog.getByText("Enter a name")).toBeTruthy();
    expect(dialog.getByText("Enter the Apprise URL of the service")).toBeTruthy();
    expect(dialog.getByText("Choose at least one event")).toBeTruthy();
    await user.click(dialog.getByRole("button", { name: "Test" }));
    expect(posts).not.toHaveBeenCalled();
  });

  it("tests the typed URL, and shows the reason it failed", async () => {
    const { posts } = mockApi({
      post: () => ok({ ok: false, error: "Apprise could not send to json://127.0.0.1:9/" }),
    });
    const { dialog } = renderDialog();
    const user = userEvent.setup();
    await user.type(dialog.getByLabelText("Apprise URL"), "json://127.0.0.1:9/");
    await user.click(dialog.getByRole("button", { name: "Test" }));
    expect((await dialog.findByRole("alert")).textContent).toBe(
      "Test failed: Apprise could not send to json://127.0.0.1:9/",
    );
    expect(posts).toHaveBeenCalledWith("/api/v1/notifications/test", {
      body: { name: "Test", url: "json://127.0.0.1:9/", enabled: true, events: ["downloaded"] },
    });
    // A change forgets the last result.
    await user.type(dialog.getByLabelText("Name"), "x");
    expect(dialog.queryByRole("alert")).toBeNull();
  });

  it("edits a target: a blank URL keeps the saved one, for the test too", async () => {
    const saved = makeNotification({ events: ["health"] });
    const { posts, patches } = mockApi({ post: () => ok({ ok: true, error: null }) });
    const { onClose, dialog } = renderDialog(saved);
    const user = userEvent.setup();
    expect(dialog.getByText("discord://1...9/a...z")).toBeTruthy();
    expect((dialog.getByLabelText("Apprise URL") as HTMLInputElement).value).toBe("");
    await user.click(dialog.getByRole("button", { name: "Test" }));
    expect((await dialog.findByRole("status")).textContent).toBe("Test notification sent.");
    expect(posts).toHaveBeenCalledWith("/api/v1/notifications/{target_id}/test", {
      params: { path: { target_id: 3 } },
    });

    await user.click(dialog.getByLabelText("Enabled"));
    await user.click(dialog.getByLabelText("Task failed"));
    await user.click(dialog.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(patches).toHaveBeenCalledWith("/api/v1/notifications/{target_id}", {
      params: { path: { target_id: 3 } },
      body: { name: "Discord", enabled: false, events: ["task_failed", "health"] },
    });
  });

  it("sends a URL typed while editing, and shows the server's refusal at its field", async () => {
    const { patches } = mockApi({
      patch: () =>
        failed(422, [
          { loc: ["body", "url"], msg: "Value error, Apprise does not know this URL", type: "x" },
        ]),
    });
    const { onClose, dialog } = renderDialog(makeNotification());
    const user = userEvent.setup();
    await user.type(dialog.getByLabelText("Apprise URL"), "nope://x");
    await user.click(dialog.getByRole("button", { name: "Save" }));
    const field = dialog.getByLabelText("Apprise URL");
    await waitFor(() => expect(field.getAttribute("aria-invalid")).toBe("true"));
    expect(patches.mock.calls[0]![1]).toMatchObject({ body: { url: "nope://x" } });
    expect(onClose).not.toHaveBeenCalled();
  });
});
