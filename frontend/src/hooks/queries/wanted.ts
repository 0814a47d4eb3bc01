// The wanted list: what the download-missing engine would do now (GET /api/v1/wanted), and
// "search now" for one row or a selection (a download by hand, which ignores the backoff).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, call } from "../../api/client";
import type { components } from "../../api/schema";
import { mediaKeys, wantedKeys, type WantedQuery } from "./keys";

export type WantedItem = components["schemas"]["WantedItem"];
export { wantedKeys, type WantedQuery };

export function useWanted(query: WantedQuery) {
  return useQuery({
    queryKey: wantedKeys.list(query),
    queryFn: () => call(api.GET("/api/v1/wanted", { params: { query } })),
    placeholderData: (previous) => previous,
  });
}

export interface SearchNowResult {
  started: number;
  /** Media that were downloading already (one download per media at a time). */
  busy: number;
}

/**
 * Start a download by hand for each (media, profile) of `items`, one request each. A
 * media can run one download at a time: its second row waits for the next run, and a
 * 409 (already downloading) is counted, not an error.
 */
export function useSearchNow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (items: readonly WantedItem[]): Promise<SearchNowResult> => {
      const result: SearchNowResult = { started: 0, busy: 0 };
      const seen = new Set<number>();
      for (const item of items) {
        if (seen.has(item.media_id)) {
          result.busy += 1;
          continue;
        }
        seen.add(item.media_id);
        try {
          await call(
            api.POST("/api/v1/media/{media_id}/download", {
              params: { path: { media_id: item.media_id } },
              body: { profile_id: item.profile_id, url: null, replace: false },
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
