// Trailer profiles: the list (pickers, the Profiles page) and its edits.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { ProfileCreate, ProfileUpdate } from "../../api/types";
import { profileKeys } from "./keys";

export { profileKeys };

export function useProfiles() {
  return useQuery({
    queryKey: profileKeys.list(),
    queryFn: () => call(api.GET("/api/v1/trailerprofiles")),
  });
}

export function useCreateProfile() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ProfileCreate) => call(api.POST("/api/v1/trailerprofiles", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: profileKeys.all }),
  });
}

export function useUpdateProfile(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ProfileUpdate) =>
      call(
        api.PATCH("/api/v1/trailerprofiles/{profile_id}", {
          params: { path: { profile_id: id } },
          body,
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: profileKeys.all }),
  });
}

export function useDeleteProfile() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(
        api.DELETE("/api/v1/trailerprofiles/{profile_id}", {
          params: { path: { profile_id: id } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: profileKeys.all }),
  });
}
