import type { Profile } from "../api/types";

/** Options for a profile picker: "highest priority" first, then every profile. */
/** The profile the server uses when none is chosen: the enabled one with the highest
 * priority (the lowest id among equals), as `read_default` picks it. */
export function defaultProfile(profiles: readonly Profile[] | undefined): Profile | undefined {
  return [...(profiles ?? [])]
    .filter((p) => p.enabled !== false)
    .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.id - b.id)[0];
}

export function profileOptions(profiles: readonly Profile[] | undefined) {
  const fallback = defaultProfile(profiles);
  const options = [
    {
      value: "",
      label: fallback
        ? `${fallback.name} (highest priority)`
        : profiles
          ? "No enabled profile"
          : "Highest priority",
    },
  ];
  for (const p of [...(profiles ?? [])].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))) {
    options.push({
      value: String(p.id),
      label: p.enabled === false ? `${p.name} (disabled)` : p.name,
    });
  }
  return options;
}
