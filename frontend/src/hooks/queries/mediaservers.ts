// Media servers (Settings → Connect): Plex, Jellyfin and Emby, asked to rescan a media's
// folder when its trailer changes. The token is a secret: the API answers it masked, and
// an update without `token` keeps the stored one.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type {
  MediaServer,
  MediaServerCheck,
  MediaServerCreate,
  MediaServerUpdate,
} from "../../api/types";
import { mediaServerKeys } from "./keys";

export { mediaServerKeys };

export function useMediaServers() {
  return useQuery({
    queryKey: mediaServerKeys.list(),
    queryFn: () => call(api.GET("/api/v1/mediaservers")),
  });
}

export type SaveMediaServer =
  { id: undefined; body: MediaServerCreate } | { id: number; body: MediaServerUpdate };

/** Create a server, or update one (partially; path mappings, when sent, replace the old). */
export function useSaveMediaServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (save: SaveMediaServer): Promise<MediaServer> =>
      save.id === undefined
        ? call(api.POST("/api/v1/mediaservers", { body: save.body }))
        : call(
            api.PATCH("/api/v1/mediaservers/{server_id}", {
              params: { path: { server_id: save.id } },
              body: save.body,
            }),
          ),
    onSuccess: () => client.invalidateQueries({ queryKey: mediaServerKeys.all }),
  });
}

export function useDeleteMediaServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(
        api.DELETE("/api/v1/mediaservers/{server_id}", {
          params: { path: { server_id: id } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: mediaServerKeys.all }),
  });
}

/** What a test asks: a saved server (its stored address and token), or a body not saved. */
export type MediaServerTest = { id: number } | { body: MediaServerCreate };

/** Ask the server who it is; the answer has its name and version, or why it failed. */
export function useTestMediaServer() {
  return useMutation({
    mutationFn: (test: MediaServerTest): Promise<MediaServerCheck> =>
      "id" in test
        ? call(
            api.POST("/api/v1/mediaservers/{server_id}/test", {
              params: { path: { server_id: test.id } },
            }),
          )
        : call(api.POST("/api/v1/mediaservers/test", { body: test.body })),
  });
}
