// The query keys of the app's resources, each defined once. The hooks of a resource build
// on these, and cross-resource invalidation (a download changes media, downloads and
// events) imports them from here, so no module repeats another's key.
import type { paths } from "../../api/schema";
import type { HistoryQuery } from "../../api/types";

export type MediaListQuery = NonNullable<paths["/api/v1/media"]["get"]["parameters"]["query"]>;
export type EventListQuery = NonNullable<paths["/api/v1/events"]["get"]["parameters"]["query"]>;

export const mediaKeys = {
  all: ["media"] as const,
  lists: () => [...mediaKeys.all, "list"] as const,
  list: (query: MediaListQuery) => [...mediaKeys.lists(), query] as const,
  one: (id: number) => [...mediaKeys.all, id] as const,
};

export const downloadKeys = {
  all: ["downloads"] as const,
  history: (query: HistoryQuery) => [...downloadKeys.all, "history", query] as const,
  forMedia: (mediaId: number) => [...downloadKeys.all, "media", mediaId] as const,
  stats: () => [...downloadKeys.all, "stats"] as const,
};

export const eventKeys = {
  all: ["events"] as const,
  lists: () => [...eventKeys.all, "list"] as const,
  list: (query: EventListQuery) => [...eventKeys.lists(), query] as const,
  forMedia: (mediaId: number) => [...eventKeys.all, "media", mediaId] as const,
};

export const profileKeys = {
  all: ["profiles"] as const,
  list: () => [...profileKeys.all, "list"] as const,
};

export const settingsKeys = {
  all: ["settings"] as const,
};

export const taskKeys = {
  all: ["tasks"] as const,
  list: () => [...taskKeys.all, "list"] as const,
  one: (name: string) => [...taskKeys.all, name] as const,
};

export type WantedQuery = NonNullable<paths["/api/v1/wanted"]["get"]["parameters"]["query"]>;

export const wantedKeys = {
  all: ["wanted"] as const,
  list: (query: WantedQuery) => [...wantedKeys.all, "list", query] as const,
};

export type SearchQuery = NonNullable<
  paths["/api/v1/media/{media_id}/search"]["get"]["parameters"]["query"]
>;

export const searchKeys = {
  all: ["search"] as const,
  forMedia: (mediaId: number, query: SearchQuery) =>
    [...searchKeys.all, "media", mediaId, query] as const,
};

export const queueKeys = {
  all: ["queue"] as const,
};

export const systemKeys = {
  all: ["system"] as const,
  status: () => [...systemKeys.all, "status"] as const,
};

export const backupKeys = {
  all: ["backups"] as const,
  list: () => [...backupKeys.all, "list"] as const,
};

export const logKeys = {
  all: ["logs"] as const,
  files: () => [...logKeys.all, "files"] as const,
  lines: (query: Record<string, unknown>) => [...logKeys.all, "lines", query] as const,
  level: () => [...logKeys.all, "level"] as const,
};

export const notificationKeys = {
  all: ["notifications"] as const,
  list: () => [...notificationKeys.all, "list"] as const,
};

export const mediaServerKeys = {
  all: ["mediaservers"] as const,
  list: () => [...mediaServerKeys.all, "list"] as const,
};
