import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import { applyQueueMessage, queueKeys } from "../hooks/queries/queue";
import { makeQueueItem } from "../test/fixtures";
import { renderWithQuery } from "../test/query";
import { ActivityPage } from "./ActivityPage";

const RUNNING = makeQueueItem();
const WAITING = makeQueueItem({
  id: 2,
  media_id: 8,
  media_title: "Brazil",
  stage: "queued",
  progress: null,
  speed: null,
  eta: null,
  source: null,
  origin: "engine",
  started_at: null,
});

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function setup(items = [RUNNING, WAITING]) {
  vi.spyOn(api, "GET").mockImplementation((() => ok(items)) as never);
  const deletes = vi.spyOn(api, "DELETE").mockImplementation((() => ok(undefined, 204)) as never);
  const view = renderWithQuery(
    <MemoryRouter>
      <ActivityPage />
    </MemoryRouter>,
  );
  return { ...view, deletes };
}

afterEach(() => vi.restoreAllMocks());

describe("ActivityPage", () => {
  it("lists the queue with each download's stage and progress", async () => {
    setup();
    const rows = await screen.findAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(screen.getByRole("status").textContent).toBe("1 running, 1 waiting");
    const running = within(rows[1]!);
    expect(running.getByRole("link", { name: "Alien" }).getAttribute("href")).toBe("/media/7");
    const bar = running.getByRole("progressbar", { name: "Progress of Alien" });
    expect(bar.getAttribute("aria-valuenow")).toBe("42");
    expect(running.getByText("Downloading 42% · 1.2 MB/s · 0:12 left")).toBeTruthy();
    const waiting = within(rows[2]!);
    expect(waiting.getByText("Queued")).toBeTruthy();
    expect(waiting.getByText("Download missing")).toBeTruthy();
    expect(waiting.getByText("Saved trailer, else a search")).toBeTruthy();
    expect(
      waiting
        .getByRole("progressbar", { name: "Progress of Brazil" })
        .getAttribute("aria-valuenow"),
    ).toBeNull();
  });

  it("cancels one download", async () => {
    const { deletes } = setup();
    await userEvent.click(
      await screen.findByRole("button", { name: "Cancel the download of Brazil" }),
    );
    await waitFor(() => expect(deletes).toHaveBeenCalledTimes(1));
    expect(deletes.mock.calls[0]![1]).toEqual({ params: { path: { item_id: 2 } } });
  });

  it("does not offer a cancel while the trailer is moved into place", async () => {
    setup([makeQueueItem({ stage: "moving", progress: null })]);
    const cancel = await screen.findByRole("button", { name: "Cancel the download of Alien" });
    expect((cancel as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("Moving into place")).toBeTruthy();
  });

  it("says so when nothing is downloading", async () => {
    setup([]);
    expect(await screen.findByText(/Nothing is downloading/)).toBeTruthy();
  });

  it("follows live messages: a stage moves, an item leaves", async () => {
    const { client } = setup();
    await screen.findByText("Downloading 42% · 1.2 MB/s · 0:12 left");
    act(() => {
      applyQueueMessage(client, {
        type: "Queue",
        message: "Alien",
        item: { ...RUNNING, stage: "converting", progress: 0.5, speed: null, eta: null },
      });
    });
    expect(await screen.findByText("Converting 50%")).toBeTruthy();
    act(() => {
      applyQueueMessage(client, { type: "Queue", message: "Alien", removed: RUNNING.id });
    });
    await waitFor(() => expect(screen.queryByText(/Converting/)).toBeNull());
    expect(client.getQueryData(queueKeys.all)).toEqual([WAITING]);
  });
});

describe("applyQueueMessage", () => {
  it("says whether the list gained or lost an item", async () => {
    const { client } = setup([RUNNING]);
    await screen.findAllByRole("row");
    const added = makeQueueItem({ id: 3, media_id: 9 });
    expect(applyQueueMessage(client, { type: "Queue", message: "x", item: added })).toBe(true);
    expect(applyQueueMessage(client, { type: "Queue", message: "x", item: added })).toBe(false);
    expect(applyQueueMessage(client, { type: "Queue", message: "x", removed: 3 })).toBe(true);
    expect(applyQueueMessage(client, { type: "Queue", message: "x", removed: 3 })).toBe(false);
  });
});
