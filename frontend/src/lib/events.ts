import type { EventSource, EventType } from "../api/types";

/** A label for every event type the backend has (the compiler checks that none is missing). */
const EVENT_LABEL: Record<EventType, string> = {
  downloaded: "Downloaded",
  download_failed: "Download failed",
  download_interrupted: "Download interrupted",
  deleted: "Deleted",
  restored: "Restored",
  renamed: "Renamed",
  discovered: "Discovered",
  media_removed: "Removed from the library",
};

/** Every event type, in the order the filters list them. */
export const EVENT_TYPES = Object.keys(EVENT_LABEL) as EventType[];

export function eventLabel(type: string): string {
  return EVENT_LABEL[type as EventType] ?? type.replaceAll("_", " ");
}

const SOURCE_LABEL: Record<EventSource, string> = {
  radarr: "Radarr",
  sonarr: "Sonarr",
  local: "Local",
};

/** Where an event's media comes from, for the events feed's filter. */
export const EVENT_SOURCES = (Object.keys(SOURCE_LABEL) as EventSource[]).map((value) => ({
  value,
  label: SOURCE_LABEL[value],
}));

export function isEventType(value: string): value is EventType {
  return value in EVENT_LABEL;
}

export function isEventSource(value: string): value is EventSource {
  return value in SOURCE_LABEL;
}
