// Interactive trailer search: YouTube's results for a media item, each judged by a profile's
// filters. Every search reaches YouTube, so an answer is kept until the user searches again.
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { searchKeys, type SearchQuery } from "./keys";

export { searchKeys, type SearchQuery };

/** How long an answer stays fresh: opening the dialog again within it asks YouTube nothing. */
const SEARCH_FRESH_MS = 5 * 60_000;

/** Search YouTube for the media's trailer with a profile (none: the server's default one). */
export function useTrailerSearch(mediaId: number, query: SearchQuery) {
  return useQuery({
    queryKey: searchKeys.forMedia(mediaId, query),
    queryFn: () =>
      call(
        api.GET("/api/v1/media/{media_id}/search", {
          params: { path: { media_id: mediaId }, query },
        }),
      ),
    enabled: Number.isInteger(mediaId) && mediaId > 0,
    staleTime: SEARCH_FRESH_MS,
    refetchOnWindowFocus: false,
    // Not the app's retries: asking a rate-limiting YouTube again only makes it worse.
    retry: false,
  });
}
