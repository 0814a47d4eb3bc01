import { api, call } from "../api/client";
import type { Profile } from "../api/types";
import { useAsync } from "./hooks";

export function fetchProfiles(): Promise<Profile[]> {
  return call(api.GET("/api/v1/trailerprofiles"));
}

/** The trailer profiles, for pickers and profile links. */
export function useProfiles() {
  return useAsync(fetchProfiles, []);
}

/** Options for a profile picker: "highest priority" first, then every profile. */
export function profileOptions(profiles: readonly Profile[] | undefined) {
  const options = [{ value: "", label: "Default (highest priority)" }];
  for (const p of [...(profiles ?? [])].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))) {
    options.push({
      value: String(p.id),
      label: p.enabled === false ? `${p.name} (disabled)` : p.name,
    });
  }
  return options;
}
