// Scheduled tasks (sync, reconcile, ...): their state, and running one now.
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { ApiError, api, call } from "../../api/client";
import type { components } from "../../api/schema";
import { mediaKeys, taskKeys } from "./keys";

export { taskKeys };

export type TaskState = components["schemas"]["TaskRead"];

/** How often a running task's state is read again until it ends. */
export const TASK_POLL_MS = 1_000;

/** The tasks whose end changes the library. */
const CHANGES_MEDIA = new Set(["sync", "reconcile", "backfill", "download_missing", "cleanup"]);

async function readTask(client: QueryClient, name: string): Promise<TaskState> {
  const before = client.getQueryData<TaskState>(taskKeys.one(name));
  const state = await call(api.GET("/api/v1/tasks/{name}", { params: { path: { name } } }));
  // Seen running before and finished now: what it changed is read again.
  if (before?.running && !state.running && CHANGES_MEDIA.has(name)) {
    void client.invalidateQueries({ queryKey: mediaKeys.all });
  }
  return state;
}

/** One task's state; read again every second while it runs. */
export function useTask(name: string) {
  const client = useQueryClient();
  return useQuery({
    queryKey: taskKeys.one(name),
    queryFn: () => readTask(client, name),
    refetchInterval: (query) => (query.state.data?.running ? TASK_POLL_MS : false),
  });
}

/**
 * Run a task now (202 with its state). A 409 means it runs already, which is what was
 * asked: its state is read again either way, and polled until it ends.
 */
export function useRunTask(name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (): Promise<TaskState | null> => {
      try {
        return await call(api.POST("/api/v1/tasks/{name}", { params: { path: { name } } }));
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) return null;
        throw err;
      }
    },
    onSuccess: (state) => {
      if (state) client.setQueryData(taskKeys.one(name), { ...state, running: true });
      return client.invalidateQueries({ queryKey: taskKeys.all });
    },
  });
}

export type TaskSchedule = components["schemas"]["TaskScheduleUpdate"];

/** Every task with its schedule and runs; read again every few seconds while one runs. */
export function useTasks() {
  return useQuery({
    queryKey: taskKeys.list(),
    queryFn: () => call(api.GET("/api/v1/tasks")),
    refetchInterval: (query) =>
      query.state.data?.some((task) => task.running) ? TASK_POLL_MS : false,
  });
}

/** Change a task's schedule (enabled, interval); 422 says what is wrong with it. */
export function useUpdateTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ name, schedule }: { name: string; schedule: TaskSchedule }) =>
      call(api.PATCH("/api/v1/tasks/{name}", { params: { path: { name } }, body: schedule })),
    onSuccess: (task) => {
      client.setQueryData(taskKeys.one(task.name), task);
      return client.invalidateQueries({ queryKey: taskKeys.list() });
    },
  });
}
