// Live messages (the /ws websocket) invalidate the queries whose data they change, so every
// page shows what the server did without reloading by hand.
import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import type { LiveMessage } from "../../api/types";
import { useLiveMessages } from "../../live";
import { downloadKeys, eventKeys, mediaKeys, queueKeys, taskKeys, wantedKeys } from "./keys";
import { applyQueueMessage } from "./queue";

/** The query keys that a live message makes stale (prefixes: each covers its sub-keys). */
export function keysForMessage(message: LiveMessage): QueryKey[] {
  const id = message.media_id;
  switch (message.type) {
    case "Queue":
      // Stages and progress update the cached queue in place (`applyQueueMessage`); an
      // item that joins or leaves changes what is wanted, and the media's status. One that
      // leaves (done, failed or cancelled) has logged an event.
      if (message.removed !== undefined) return [eventKeys.lists()];
      return message.item === undefined ? [queueKeys.all] : [];
    case "Success":
    case "Error":
      // A download, a sync or another task ended: the library, the downloads and the
      // history, the events, the tasks' state and what is wanted may all have changed.
      return [mediaKeys.all, downloadKeys.all, eventKeys.all, taskKeys.all, wantedKeys.all];
    case "Info":
      // A download's step (a search, the next source after a failed one) may have logged
      // an event: the media's events and the global feed show it.
      return id === undefined
        ? [mediaKeys.all, eventKeys.all, taskKeys.all]
        : [mediaKeys.one(id), eventKeys.forMedia(id), eventKeys.lists()];
    default:
      return [];
  }
}

/** Invalidate the affected queries on every live message; mounted once, inside the app. */
export function useLiveInvalidation(): void {
  const client = useQueryClient();
  useLiveMessages((message) => {
    const keys = keysForMessage(message);
    if (message.type === "Queue" && applyQueueMessage(client, message)) {
      keys.push(wantedKeys.all);
      if (message.media_id !== undefined) keys.push(mediaKeys.one(message.media_id));
    }
    for (const queryKey of keys) void client.invalidateQueries({ queryKey });
  });
}

/** The component form of `useLiveInvalidation`, for the app's layout. */
export function LiveInvalidation(): null {
  useLiveInvalidation();
  return null;
}
