import type { Profile } from "../api/types";

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
