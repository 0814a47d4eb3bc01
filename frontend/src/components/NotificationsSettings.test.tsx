import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import { makeNotification } from "../test/fixtures";
import { renderWithQuery } from "../test/query";
import { NotificationsSettings } from "./NotificationsSettings";

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

const DISCORD = makeNotification();
const MAIL = makeNotification({
  id: 4,
  name: "Mail",
  url: "mailtos://u...r:****@example.com",
  enabled: false,
  events: ["task_failed", "health"],
});

function setup(post: (path: string, init?: unknown) => unknown = () => ok({ ok: true })) {
  let targets = [DISCORD, MAIL];
  const gets = vi.spyOn(api, "GET").mockImplementation(((path: string) => {
    if (path === "/api/v1/notifications") return ok(targets);
    return ok([]);
  }) as never);
  const posts = vi.spyOn(api, "POST").mockImplementation(post as never);
  const deletes = vi.spyOn(api, "DELETE").mockImplementation(((
    _path: string,
    init: { params: { path: { target_id: number } } },
  ) => {
    targets = targets.filter((t) => t.id !== init.params.path.target_id);
    return ok(undefined, 204);
  }) as never);
  renderWithQuery(<NotificationsSettings />);
  return { gets, posts, deletes };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("NotificationsSettings", () => {
  it("lists the targets with their masked URL, their events and whether they are on", async () => {
    setup();
    const discord = within(await screen.findByRole("row", { name: /^Discord / }));
    expect(discord.getByText("discord://1...9/a...z")).toBeTruthy();
    expect(discord.getByText("Trailer downloaded").className).toContain("badge");
    expect(discord.getByText("Download failed")).toBeTruthy();
    expect(discord.queryByText("Health")).toBeNull();
    expect(discord.getByText("Yes")).toBeTruthy();
    const mail = within(screen.getByRole("row", { name: /^Mail / }));
    expect(mail.getByText("Task failed")).toBeTruthy();
    expect(mail.getByText("Health")).toBeTruthy();
    expect(mail.getByText("No")).toBeTruthy();
  });

  it("says when there is no target", async () => {
    vi.spyOn(api, "GET").mockImplementation((() => ok([])) as never);
    renderWithQuery(<NotificationsSettings />);
    expect(await screen.findByText("No notification yet.")).toBeTruthy();
  });

  it("tests a saved target from its row: sent, or the reason it was not", async () => {
    const { posts } = setup((path: string) =>
      path === "/api/v1/notifications/{target_id}/test"
        ? ok({ ok: false, error: "Discord answered 401: Unauthorized" })
        : ok({}),
    );
    const user = userEvent.setup();
    const mail = within(await screen.findByRole("row", { name: /^Mail / }));
    await user.click(mail.getByRole("button", { name: "Test Mail" }));
    expect((await mail.findByRole("alert")).textContent).toBe(
      "Test failed: Discord answered 401: Unauthorized",
    );
    expect(posts).toHaveBeenCalledWith("/api/v1/notifications/{target_id}/test", {
      params: { path: { target_id: 4 } },
    });
    posts.mockImplementation((() => ok({ ok: true, error: null })) as never);
    const discord = within(screen.getByRole("row", { name: /^Discord / }));
    await user.click(discord.getByRole("button", { name: "Test Discord" }));
    expect((await discord.findByRole("status")).textContent).toBe("Sent");
    expect(discord.queryByRole("alert")).toBeNull();
  });

  it("shows a request that failed", async () => {
    setup(() => failed(404, "Notification target 4 not found"));
    const user = userEvent.setup();
    const mail = within(await screen.findByRole("row", { name: /^Mail / }));
    await user.click(mail.getByRole("button", { name: "Test Mail" }));
    expect((await mail.findByRole("alert")).textContent).toBe(
      "Test failed: Notification target 4 not found",
    );
  });

  it("deletes only after confirming, then lists the others", async () => {
    const { deletes } = setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Delete Discord" }));
    const dialog = within(screen.getByRole("dialog", { name: "Delete notification" }));
    expect(dialog.getByText("Discord")).toBeTruthy();
    await user.click(dialog.getByRole("button", { name: "Cancel" }));
    expect(deletes).not.toHaveBeenCalled();

    await user.click(screen.getByRole("button", { name: "Delete Discord" }));
    await user.click(
      within(screen.getByRole("dialog", { name: "Delete notification" })).getByRole("button", {
        name: "Delete",
      }),
    );
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(deletes).toHaveBeenCalledWith("/api/v1/notifications/{target_id}", {
      params: { path: { target_id: 3 } },
    });
    await waitFor(() => expect(screen.queryByRole("row", { name: /^Discord / })).toBeNull());
    expect(screen.getByRole("row", { name: /^Mail / })).toBeTruthy();
  });

  it("opens the dialog to add one and to edit one", async () => {
    setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add notification" }));
    expect(screen.getByRole("dialog", { name: "Add notification" })).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    await user.click(screen.getByRole("button", { name: "Edit Mail" }));
    const dialog = within(screen.getByRole("dialog", { name: "Edit Mail" }));
    expect((dialog.getByLabelText("Name") as HTMLInputElement).value).toBe("Mail");
    expect((dialog.getByLabelText("Health") as HTMLInputElement).checked).toBe(true);
    expect((dialog.getByLabelText("Trailer downloaded") as HTMLInputElement).checked).toBe(false);
    expect((dialog.getByLabelText("Enabled") as HTMLInputElement).checked).toBe(false);
  });
});
