import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import type { Media } from "../../api/types";
import { createTestQueryClient, queryWrapper } from "../../test/query";
import { downloadKeys, eventKeys, mediaKeys, profileKeys } from "./keys";
import { useBulkMonitor, useUpdateMedia } from "./media";

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: unknown) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

afterEach(() => {
  vi.restoreAllMocks();
});

function seeded() {
  const client = createTestQueryClient();
  const keys = [
    mediaKeys.list({ page: 1 }),
    mediaKeys.one(7),
    mediaKeys.one(8),
    downloadKeys.forMedia(7),
    downloadKeys.forMedia(8),
    eventKeys.forMedia(7),
    profileKeys.list(),
  ];
  for (const key of keys) client.setQueryData(key, { seeded: true });
  const stale = (key: readonly unknown[]) => client.getQueryState(key)?.isInvalidated ?? false;
  return { client, stale };
}

describe("media mutations", () => {
  it("an edit stores the answer and marks the library and that media's data stale", async () => {
    const { client, stale } = seeded();
    const saved = { id: 7, title: "Alien", monitor: true } as Media;
    const patch = vi.spyOn(api, "PATCH").mockImplementation((() => ok(saved)) as never);
    const { result } = renderHook(() => useUpdateMedia(7), { wrapper: queryWrapper(client) });
    await act(() => result.current.mutateAsync({ monitor: true }));
    expect(patch).toHaveBeenCalledWith("/api/v1/media/{media_id}", {
      params: { path: { media_id: 7 } },
      body: { monitor: true },
    });
    expect(client.getQueryData(mediaKeys.one(7))).toEqual(saved);
    expect(stale(mediaKeys.list({ page: 1 }))).toBe(true);
    expect(stale(downloadKeys.forMedia(7))).toBe(true);
    expect(stale(eventKeys.forMedia(7))).toBe(true);
    expect(stale(downloadKeys.forMedia(8))).toBe(false);
    expect(stale(profileKeys.list())).toBe(false);
  });

  it("a refused edit changes nothing in the cache", async () => {
    const { client, stale } = seeded();
    vi.spyOn(api, "PATCH").mockImplementation((() =>
      failed(422, "folder is outside every library root")) as never);
    const { result } = renderHook(() => useUpdateMedia(7), { wrapper: queryWrapper(client) });
    await expect(result.current.mutateAsync({ folder_path: "/etc" })).rejects.toThrow(
      "folder is outside every library root",
    );
    expect(client.getQueryData(mediaKeys.one(7))).toEqual({ seeded: true });
    expect(stale(mediaKeys.list({ page: 1 }))).toBe(false);
  });

  it("bulk monitor sends the selection and marks every media query stale", async () => {
    const { client, stale } = seeded();
    const post = vi.spyOn(api, "POST").mockImplementation((() => ok({ updated: 2 })) as never);
    const { result } = renderHook(() => useBulkMonitor(), { wrapper: queryWrapper(client) });
    act(() => result.current.mutate({ ids: [7, 8], monitor: false }));
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(post).toHaveBeenCalledWith("/api/v1/media/bulk", {
      body: { ids: [7, 8], monitor: false },
    });
    expect(stale(mediaKeys.list({ page: 1 }))).toBe(true);
    expect(stale(mediaKeys.one(8))).toBe(true);
    expect(stale(profileKeys.list())).toBe(false);
  });
});
