// Radarr and Sonarr connections: the list, each one's root folders and status, and the
// mutations of the Settings → Connections section. Query keys are defined here only.
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { useLiveMessages } from "../../live";
import type { components, paths } from "../../api/schema";
import { mediaKeys } from "./keys";
import { rootKeys } from "./roots";

type Schemas = components["schemas"];

export type Connection = Schemas["ConnectionRead"];
export type ConnectionCreate = Schemas["ConnectionCreate"];
export type ConnectionUpdate = Schemas["ConnectionUpdate"];
export type ArrType = Schemas["ArrType"];
export type MonitorMode = Schemas["MonitorMode"];
export type PathMappingInput = Schemas["PathMappingCreate"];
export type ConnectionCheck =
  paths["/api/v1/connections/test"]["post"]["responses"]["200"]["content"]["application/json"];
export type ConnectionRootFolder =
  paths["/api/v1/connections/{connection_id}/rootfolders"]["get"]["responses"]["200"]["content"]["application/json"][number];

export const connectionKeys = {
  all: ["connections"] as const,
  list: () => [...connectionKeys.all, "list"] as const,
  one: (id: number) => [...connectionKeys.all, id] as const,
  rootFolders: (id: number) => [...connectionKeys.one(id), "rootfolders"] as const,
  /** The last test of a saved connection in this browser (set by a save or a test). */
  check: (id: number) => [...connectionKeys.one(id), "check"] as const,
};

export function useConnections() {
  return useQuery({
    queryKey: connectionKeys.list(),
    queryFn: () => call(api.GET("/api/v1/connections")),
  });
}

/** The root folders that the connection's app reports, with their mapped paths. */
export function useConnectionRootFolders(id: number) {
  return useQuery({
    queryKey: connectionKeys.rootFolders(id),
    queryFn: () =>
      call(
        api.GET("/api/v1/connections/{connection_id}/rootfolders", {
          params: { path: { connection_id: id } },
        }),
      ),
    retry: false,
  });
}

/** The last known test result of a saved connection, if this browser has one. */
export function useConnectionCheck(id: number) {
  return useQuery<ConnectionCheck | null>({
    queryKey: connectionKeys.check(id),
    queryFn: () => null,
    enabled: false,
    staleTime: Infinity,
    gcTime: Infinity,
  });
}

/** Test a connection body (not saved); the answer carries the reason when it fails. */
export function useTestConnection(connectionId?: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ConnectionCreate) => call(api.POST("/api/v1/connections/test", { body })),
    onSuccess: (result) => {
      if (connectionId !== undefined && result.ok) {
        client.setQueryData(connectionKeys.check(connectionId), result);
      }
    },
  });
}

/** What a saved connection changes: its list, its folders, the roots and the library. */
function invalidateAfterChange(client: QueryClient): Promise<unknown> {
  return Promise.all([
    client.invalidateQueries({ queryKey: connectionKeys.all }),
    client.invalidateQueries({ queryKey: rootKeys.all }),
    client.invalidateQueries({ queryKey: mediaKeys.all }),
  ]);
}

export type SaveConnection =
  { id: undefined; body: ConnectionCreate } | { id: number; body: ConnectionUpdate };

/** Test a saved connection again with the key just sent, for its status line's version. */
async function rememberCheck(client: QueryClient, saved: Connection, apiKey: string) {
  try {
    const result = await call(
      api.POST("/api/v1/connections/test", {
        body: {
          name: saved.name,
          arr_type: saved.arr_type,
          url: saved.url,
          api_key: apiKey,
          monitor: saved.monitor,
          path_mappings: [],
        },
      }),
    );
    if (result.ok) client.setQueryData(connectionKeys.check(saved.id), result);
  } catch {
    // Only the status line's version is missing then.
  }
}

/**
 * Create or update a connection. The server tests it first and answers 422 with why; a
 * save with a new key is tested once more here so the list can show the app's version.
 */
export function useSaveConnection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (save: SaveConnection): Promise<Connection> =>
      save.id === undefined
        ? call(api.POST("/api/v1/connections", { body: save.body }))
        : call(
            api.PATCH("/api/v1/connections/{connection_id}", {
              params: { path: { connection_id: save.id } },
              body: save.body,
            }),
          ),
    onSuccess: (saved, save) => {
      if (save.body.api_key) void rememberCheck(client, saved, save.body.api_key);
      return invalidateAfterChange(client);
    },
  });
}

export function useDeleteConnection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(
        api.DELETE("/api/v1/connections/{connection_id}", {
          params: { path: { connection_id: id } },
        }),
      ),
    onSuccess: (_data, id) => {
      client.removeQueries({ queryKey: connectionKeys.one(id) });
      return invalidateAfterChange(client);
    },
  });
}

/** Sync one connection now (202: it runs on the server; websocket messages tell the end). */
export function useRefreshConnection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(
        api.POST("/api/v1/connections/{connection_id}/refresh", {
          params: { path: { connection_id: id } },
        }),
      ),
    onSuccess: () => invalidateAfterChange(client),
  });
}

/**
 * A refresh answers 202 and syncs on the server; its end (or failure) arrives as a live
 * message. While mounted, refetch what a sync changes when a task reports its end.
 */
export function useSyncEndInvalidation() {
  const client = useQueryClient();
  useLiveMessages((message) => {
    if (message.type === "Success" || message.type === "Error") {
      void invalidateAfterChange(client);
    }
  });
}
