// The download queue (GET /api/v1/queue): what waits and what runs, stage by stage. Live
// "Queue" messages carry each item as it changes, so the cached list is updated in place
// (`applyQueueMessage`) rather than fetched again several times a second.
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { LiveMessage, QueueItem } from "../../api/types";
import { queueKeys } from "./keys";

export { queueKeys };

export function useQueue() {
  return useQuery({
    queryKey: queueKeys.all,
    queryFn: () => call(api.GET("/api/v1/queue")),
  });
}

/** This media's download in the queue, if any (the first: running ones come first). */
export function useQueuedFor(mediaId: number): QueueItem | undefined {
  return useQueue().data?.find((item) => item.media_id === mediaId);
}

/** Cancel one download; the queue's live message removes it from the list. */
export function useCancelQueued() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(api.DELETE("/api/v1/queue/{item_id}", { params: { path: { item_id: id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: queueKeys.all }),
  });
}

/**
 * Apply a "Queue" live message to the cached list: an item replaces its older self or
 * joins the end; `removed` takes one out. True when the list gained or lost an item.
 */
export function applyQueueMessage(client: QueryClient, message: LiveMessage): boolean {
  const list = client.getQueryData<QueueItem[]>(queueKeys.all);
  if (list === undefined) return false;
  if (message.removed !== undefined) {
    const rest = list.filter((item) => item.id !== message.removed);
    client.setQueryData(queueKeys.all, rest);
    return rest.length !== list.length;
  }
  const item = message.item;
  if (!item) return false;
  const at = list.findIndex((old) => old.id === item.id);
  if (at === -1) {
    client.setQueryData(queueKeys.all, [...list, item]);
    return true;
  }
  client.setQueryData(queueKeys.all, list.with(at, item));
  return false;
}
