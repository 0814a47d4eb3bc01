// Events: what happened to the media (downloads, failures, renames, removals).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { eventKeys, type EventListQuery } from "./keys";

export { eventKeys, type EventListQuery };

/** One page of every media's events, newest first; the previous page stays while the next loads. */
export function useEvents(query: EventListQuery) {
  return useQuery({
    queryKey: eventKeys.list(query),
    queryFn: () => call(api.GET("/api/v1/events", { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

/** A media item's events, newest first. */
export function useMediaEvents(mediaId: number) {
  return useQuery({
    queryKey: eventKeys.forMedia(mediaId),
    queryFn: () =>
      call(api.GET("/api/v1/media/{media_id}/events", { params: { path: { media_id: mediaId } } })),
    enabled: Number.isInteger(mediaId) && mediaId > 0,
  });
}
