// Events: what happened to the media (downloads, failures, renames, removals).
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { eventKeys } from "./keys";

export { eventKeys };

/** A media item's events, newest first. */
export function useMediaEvents(mediaId: number) {
  return useQuery({
    queryKey: eventKeys.forMedia(mediaId),
    queryFn: () =>
      call(api.GET("/api/v1/media/{media_id}/events", { params: { path: { media_id: mediaId } } })),
    enabled: Number.isInteger(mediaId) && mediaId > 0,
  });
}
