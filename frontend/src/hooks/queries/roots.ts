// Library roots: the folders every media folder lies inside (Settings → Library roots).
// Local roots are added here; a connection's roots come from its app and are listed too.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { components } from "../../api/schema";
import { mediaKeys } from "./keys";

type Schemas = components["schemas"];

export type LibraryRoot = Schemas["LibraryRootRead"];
export type LibraryRootCreate = Schemas["LibraryRootCreate"];
export type ScanSummary = Schemas["ScanSummary"];

export const rootKeys = {
  all: ["roots"] as const,
  list: () => [...rootKeys.all, "list"] as const,
};

export function useRoots() {
  return useQuery({
    queryKey: rootKeys.list(),
    queryFn: () => call(api.GET("/api/v1/roots")),
  });
}

/** Add a local root (the server checks the folder and answers 422 with why). */
export function useAddRoot() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: LibraryRootCreate) => call(api.POST("/api/v1/roots", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: rootKeys.all }),
  });
}

/** Remove a local root; `force` also when media folders lie inside it (they stay). */
export function useDeleteRoot() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, force = false }: { id: number; force?: boolean }) =>
      call(
        api.DELETE("/api/v1/roots/{root_id}", {
          params: { path: { root_id: id }, query: force ? { force } : {} },
        }),
      ),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: rootKeys.all }),
        client.invalidateQueries({ queryKey: mediaKeys.all }),
      ]),
  });
}

/** Scan one local root now; the answer says what the scan found. */
export function useScanRoot() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(api.POST("/api/v1/roots/{root_id}/scan", { params: { path: { root_id: id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: mediaKeys.all }),
  });
}
