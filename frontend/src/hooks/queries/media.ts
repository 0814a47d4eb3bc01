// Media: the library list, one media item, and the edits of the Library and media pages.
// Query keys are defined here only.
import {
  keepPreviousData,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from "@tanstack/react-query";
import { ApiError, api, call } from "../../api/client";
import type { components } from "../../api/schema";
import type { Media } from "../../api/types";
import { downloadKeys, eventKeys, mediaKeys, wantedKeys, type MediaListQuery } from "./keys";

type Schemas = components["schemas"];

export { mediaKeys, type MediaListQuery };

export type MediaUpdate = Schemas["MediaUpdate"];
export type MediaCreate = Schemas["MediaCreate"];
export type BulkMonitor = Schemas["BulkMonitor"];

/** The poster image of a media item, served (and cached) by the app. */
export function posterUrl(id: number): string {
  return `/api/v1/media/${id}/poster`;
}

/** One page of the library; the previous page stays shown while the next one loads. */
export function useMediaList(query: MediaListQuery) {
  return useQuery({
    queryKey: mediaKeys.list(query),
    queryFn: () => call(api.GET("/api/v1/media", { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

/**
 * Read one media item. When it was downloading and is not any more, its downloads and
 * events are read again too: the page settles even when no live message arrived.
 */
async function readMedia(client: QueryClient, id: number) {
  const before = client.getQueryData<Media>(mediaKeys.one(id));
  const media = await call(
    api.GET("/api/v1/media/{media_id}", { params: { path: { media_id: id } } }),
  );
  if (before?.status === "downloading" && media.status !== "downloading") {
    void client.invalidateQueries({ queryKey: downloadKeys.forMedia(id) });
    void client.invalidateQueries({ queryKey: eventKeys.forMedia(id) });
  }
  return media;
}

export function useMedia(id: number, options: { refetchInterval?: number | false } = {}) {
  const client = useQueryClient();
  return useQuery({
    queryKey: mediaKeys.one(id),
    queryFn: () => readMedia(client, id),
    enabled: Number.isInteger(id) && id > 0,
    refetchInterval: options.refetchInterval ?? false,
  });
}

/** What a change of one media item touches: the library, its downloads and its events. */
export function invalidateMedia(client: QueryClient, id?: number): Promise<unknown> {
  return Promise.all([
    client.invalidateQueries({ queryKey: mediaKeys.all }),
    client.invalidateQueries({
      queryKey: id === undefined ? downloadKeys.all : downloadKeys.forMedia(id),
    }),
    client.invalidateQueries({
      queryKey: id === undefined ? eventKeys.all : eventKeys.forMedia(id),
    }),
  ]);
}

export function useCreateMedia() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: MediaCreate) => call(api.POST("/api/v1/media", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: mediaKeys.all }),
  });
}

/** Edit one media item (PATCH); a 422 comes back as an ApiError with its field messages. */
export function useUpdateMedia(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: MediaUpdate) =>
      call(api.PATCH("/api/v1/media/{media_id}", { params: { path: { media_id: id } }, body })),
    onSuccess: (media) => {
      client.setQueryData(mediaKeys.one(id), media);
      return invalidateMedia(client, id);
    },
  });
}

/** Monitor or unmonitor a selection of media in one request. */
export function useBulkMonitor() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BulkMonitor) => call(api.POST("/api/v1/media/bulk", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: mediaKeys.all }),
  });
}

export function useDeleteMedia(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (deleteFiles: boolean) =>
      call(
        api.DELETE("/api/v1/media/{media_id}", {
          params: { path: { media_id: id }, query: { delete_files: deleteFiles } },
        }),
      ),
    onSuccess: () => {
      client.removeQueries({ queryKey: mediaKeys.one(id) });
      return Promise.all([
        client.invalidateQueries({ queryKey: mediaKeys.lists() }),
        client.invalidateQueries({ queryKey: downloadKeys.all }),
        client.invalidateQueries({ queryKey: eventKeys.all }),
      ]);
    },
  });
}

/** Start a trailer download for a media item (202); the live messages report how it ends. */
export function useStartDownload(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { profile_id: number | null; url: string | null; replace: boolean }) =>
      call(
        api.POST("/api/v1/media/{media_id}/download", {
          params: { path: { media_id: id } },
          body,
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: mediaKeys.one(id) }),
  });
}

export interface StartDownloadsResult {
  started: number;
  /** Requests for a media that was downloading already (one download per media). */
  busy: number;
}

/**
 * Start a download by hand for each (media, profile) given (profile null: the highest
 * priority one), one request each. A media runs one download at a time: a second entry
 * for it, or a 409 (already downloading), is counted as busy, not an error.
 */
export function useStartDownloads() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (
      requests: readonly { mediaId: number; profileId: number | null }[],
    ): Promise<StartDownloadsResult> => {
      const result: StartDownloadsResult = { started: 0, busy: 0 };
      const seen = new Set<number>();
      for (const { mediaId, profileId } of requests) {
        if (seen.has(mediaId)) {
          result.busy += 1;
          continue;
        }
        seen.add(mediaId);
        try {
          await call(
            api.POST("/api/v1/media/{media_id}/download", {
              params: { path: { media_id: mediaId } },
              body: { profile_id: profileId, url: null, replace: false },
            }),
          );
          result.started += 1;
        } catch (err) {
          if (err instanceof ApiError && err.status === 409) result.busy += 1;
          else throw err;
        }
      }
      return result;
    },
    onSettled: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: wantedKeys.all }),
        client.invalidateQueries({ queryKey: mediaKeys.all }),
      ]),
  });
}
