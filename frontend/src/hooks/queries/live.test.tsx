import { act, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveProvider } from "../../live";
import { createTestQueryClient, queryWrapper } from "../../test/query";
import { makeQueueItem } from "../../test/fixtures";
import { downloadKeys, eventKeys, mediaKeys, queueKeys, taskKeys, wantedKeys } from "./keys";
import { keysForMessage, useLiveInvalidation } from "./live";

class FakeSocket {
  static last: FakeSocket | undefined;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  close() {
    this.onclose?.();
  }
  send(frame: Record<string, unknown>) {
    act(() => this.onmessage?.({ data: JSON.stringify(frame) }));
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSocket.last = undefined;
});

describe("keysForMessage", () => {
  it("makes nothing stale on progress, everything a download touches on its end", () => {
    const item = makeQueueItem({ media_id: 3 });
    expect(keysForMessage({ type: "Queue", message: "x", media_id: 3, item })).toEqual([]);
    expect(keysForMessage({ type: "Success", message: "done", media_id: 3 })).toEqual([
      mediaKeys.all,
      downloadKeys.all,
      eventKeys.all,
      taskKeys.all,
      wantedKeys.all,
    ]);
    expect(keysForMessage({ type: "Info", message: "Downloading", media_id: 3 })).toEqual([
      mediaKeys.one(3),
      eventKeys.forMedia(3),
      eventKeys.lists(),
    ]);
    expect(keysForMessage({ type: "Info", message: "Sync started" })).toContainEqual(mediaKeys.all);
  });
});

describe("useLiveInvalidation", () => {
  it("marks the media, downloads and events stale when a download ends, not on progress", () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const client = createTestQueryClient();
    const seed = [
      mediaKeys.one(3),
      mediaKeys.list({ page: 1 }),
      downloadKeys.forMedia(3),
      downloadKeys.stats(),
      eventKeys.forMedia(3),
      ["profiles", "list"],
    ];
    for (const key of seed) client.setQueryData(key, { seeded: true });
    const Query = queryWrapper(client);
    const wrapper = ({ children }: { children: ReactNode }) => (
      <Query>
        <LiveProvider>{children}</LiveProvider>
      </Query>
    );
    renderHook(() => useLiveInvalidation(), { wrapper });
    const stale = () => seed.filter((key) => client.getQueryState(key)?.isInvalidated);

    FakeSocket.last!.send({
      type: "Queue",
      message: "Alien",
      item: makeQueueItem({ media_id: 3 }),
    });
    expect(stale()).toEqual([]);

    FakeSocket.last!.send({ type: "Success", message: "Trailer downloaded", media_id: 3 });
    expect(stale()).toEqual(seed.slice(0, 5));
    expect(client.getQueryState(["profiles", "list"])?.isInvalidated).toBe(false);
  });
});

describe("the events feed", () => {
  it("is refetched when a download step or its end may have logged an event", () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const client = createTestQueryClient();
    const feed = eventKeys.list({ page: 1, event_type: ["downloaded"], source: "radarr" });
    const other = eventKeys.forMedia(9);
    const Query = queryWrapper(client);
    const wrapper = ({ children }: { children: ReactNode }) => (
      <Query>
        <LiveProvider>{children}</LiveProvider>
      </Query>
    );
    renderHook(() => useLiveInvalidation(), { wrapper });
    const seed = () => {
      for (const key of [feed, other]) client.setQueryData(key, { seeded: true });
    };
    const stale = (key: readonly unknown[]) => client.getQueryState(key)?.isInvalidated;

    seed();
    FakeSocket.last!.send({ type: "Queue", message: "Alien", item: makeQueueItem() });
    expect(stale(feed)).toBe(false);
    FakeSocket.last!.send({
      type: "Info",
      message: "Downloading from the next source",
      media_id: 3,
    });
    expect(stale(feed)).toBe(true);
    expect(stale(other)).toBe(false);

    seed();
    FakeSocket.last!.send({ type: "Queue", message: "Alien", removed: 1, media_id: 3 });
    expect(stale(feed)).toBe(true);
    expect(stale(other)).toBe(false);

    seed();
    FakeSocket.last!.send({ type: "Error", message: "Download failed", media_id: 3 });
    expect(stale(feed)).toBe(true);
    expect(stale(other)).toBe(true);
  });
});

describe("queue messages", () => {
  it("update the cached queue in place; an item that joins or leaves makes wanted stale", () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    const client = createTestQueryClient();
    const first = makeQueueItem({ id: 1, media_id: 3, stage: "queued", progress: null });
    client.setQueryData(queueKeys.all, [first]);
    client.setQueryData(["wanted", "list", {}], { seeded: true });
    const Query = queryWrapper(client);
    const wrapper = ({ children }: { children: ReactNode }) => (
      <Query>
        <LiveProvider>{children}</LiveProvider>
      </Query>
    );
    renderHook(() => useLiveInvalidation(), { wrapper });
    const wantedStale = () => client.getQueryState(["wanted", "list", {}])?.isInvalidated;

    FakeSocket.last!.send({
      type: "Queue",
      message: "Alien",
      item: { ...first, stage: "downloading", progress: 0.5 },
    });
    expect(client.getQueryData(queueKeys.all)).toEqual([
      { ...first, stage: "downloading", progress: 0.5 },
    ]);
    expect(wantedStale()).toBe(false);

    FakeSocket.last!.send({ type: "Queue", message: "Alien", removed: 1, media_id: 3 });
    expect(client.getQueryData(queueKeys.all)).toEqual([]);
    expect(wantedStale()).toBe(true);
  });
});
