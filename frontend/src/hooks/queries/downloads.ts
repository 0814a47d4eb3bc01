// Downloads: the history (paged and filtered), a media item's downloads, the statistics,
// and the delete and re-download actions. Query keys are defined here only.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { HistoryQuery, RedownloadRequest } from "../../api/types";
import { downloadKeys, eventKeys, mediaKeys } from "./keys";

export { downloadKeys };

/**
 * One page of the download history; the previous page stays shown while the next loads.
 * Nothing is read while `enabled` is false.
 */
export function useHistory(query: HistoryQuery, enabled = true) {
  return useQuery({
    queryKey: downloadKeys.history(query),
    queryFn: () => call(api.GET("/api/v1/downloads", { params: { query } })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** A media item's downloads, newest first. */
export function useMediaDownloads(mediaId: number) {
  return useQuery({
    queryKey: downloadKeys.forMedia(mediaId),
    queryFn: () =>
      call(
        api.GET("/api/v1/media/{media_id}/downloads", {
          params: { path: { media_id: mediaId } },
        }),
      ),
    enabled: Number.isInteger(mediaId) && mediaId > 0,
  });
}

export function useDownloadStats() {
  return useQuery({
    queryKey: downloadKeys.stats(),
    queryFn: () => call(api.GET("/api/v1/downloads/stats")),
  });
}

/** Delete a trailer file (or, with `purge`, its record too). */
export function useDeleteDownload() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, purge }: { id: number; purge: boolean }) =>
      call(
        api.DELETE("/api/v1/downloads/{download_id}", {
          params: { path: { download_id: id }, query: { purge } },
        }),
      ),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: downloadKeys.all }),
        client.invalidateQueries({ queryKey: mediaKeys.all }),
        client.invalidateQueries({ queryKey: eventKeys.all }),
      ]),
  });
}

/** Download a recorded trailer again (202); the live messages report how it ends. */
export function useRedownload() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: RedownloadRequest }) =>
      call(
        api.POST("/api/v1/downloads/{download_id}/redownload", {
          params: { path: { download_id: id } },
          body,
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: mediaKeys.all }),
  });
}
