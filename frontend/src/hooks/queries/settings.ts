// The app's settings (Settings page) and the API key's regeneration.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import { settingsKeys } from "./keys";

export { settingsKeys };

export function useSettings() {
  return useQuery({
    queryKey: settingsKeys.all,
    queryFn: () => call(api.GET("/api/v1/settings")),
  });
}

/** Make a new API key; the answer carries it, and the settings are read again. */
export function useRegenerateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call(api.POST("/api/v1/settings/api-key")),
    onSuccess: () => client.invalidateQueries({ queryKey: settingsKeys.all }),
  });
}
