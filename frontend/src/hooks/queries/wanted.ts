// The wanted list: what the download-missing engine would do now (GET /api/v1/wanted). Its
// "search now" is a download by hand (`useStartDownloads`), which ignores the backoff.
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { components } from "../../api/schema";
import { wantedKeys, type WantedQuery } from "./keys";

export type WantedItem = components["schemas"]["WantedItem"];
export { wantedKeys, type WantedQuery };

export function useWanted(query: WantedQuery) {
  return useQuery({
    queryKey: wantedKeys.list(query),
    queryFn: () => call(api.GET("/api/v1/wanted", { params: { query } })),
    placeholderData: (previous) => previous,
  });
}
