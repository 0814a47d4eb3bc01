// Notification targets (Settings → Connect): Apprise URLs told about downloads, failures,
// missing trailers, failed tasks and the database's health. The URL is a secret: the API
// answers it masked, and an update without `url` keeps the stored one.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type {
  NotificationCheck,
  NotificationTarget,
  NotificationTargetCreate,
  NotificationTargetUpdate,
} from "../../api/types";
import { notificationKeys } from "./keys";

export { notificationKeys };

export function useNotifications() {
  return useQuery({
    queryKey: notificationKeys.list(),
    queryFn: () => call(api.GET("/api/v1/notifications")),
  });
}

export type SaveNotification =
  | { id: undefined; body: NotificationTargetCreate }
  | { id: number; body: NotificationTargetUpdate };

/** Create a target, or update one (partially). */
export function useSaveNotification() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (save: SaveNotification): Promise<NotificationTarget> =>
      save.id === undefined
        ? call(api.POST("/api/v1/notifications", { body: save.body }))
        : call(
            api.PATCH("/api/v1/notifications/{target_id}", {
              params: { path: { target_id: save.id } },
              body: save.body,
            }),
          ),
    onSuccess: () => client.invalidateQueries({ queryKey: notificationKeys.all }),
  });
}

export function useDeleteNotification() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(
        api.DELETE("/api/v1/notifications/{target_id}", {
          params: { path: { target_id: id } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: notificationKeys.all }),
  });
}

/** What a test sends to: a saved target (its stored URL), or a body not saved yet. */
export type NotificationTest = { id: number } | { body: NotificationTargetCreate };

/** Send a test notification; the answer says `ok`, or the reason it was not sent. */
export function useTestNotification() {
  return useMutation({
    mutationFn: (test: NotificationTest): Promise<NotificationCheck> =>
      "id" in test
        ? call(
            api.POST("/api/v1/notifications/{target_id}/test", {
              params: { path: { target_id: test.id } },
            }),
          )
        : call(api.POST("/api/v1/notifications/test", { body: test.body })),
  });
}
