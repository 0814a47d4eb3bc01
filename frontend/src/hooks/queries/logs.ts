// System > Logs: the log files, their most recent lines, and the level the app logs from.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { components, paths } from "../../api/schema";
import { logKeys } from "./keys";

export { logKeys };

export type LogFile = components["schemas"]["LogFileRead"];
export type LogLine = components["schemas"]["LogLineRead"];
export type LogLevel = components["schemas"]["LogLevelRead"]["level"];
export type SettableLogLevel = components["schemas"]["LogLevelUpdate"]["level"];
export type LogLinesQuery = NonNullable<paths["/api/v1/logs/lines"]["get"]["parameters"]["query"]>;

/** How often the lines and files are read again while the panel is open. */
export const LOGS_REFRESH_MS = 10_000;

/**
 * A log file's download. A plain link, as History's "Export CSV": the browser sends the
 * session cookie with it (a GET needs no CSRF token).
 */
export function logFileHref(name: string): string {
  return `/api/v1/logs/files/${encodeURIComponent(name)}`;
}

/** The files in the logs folder, newest first. */
export function useLogFiles() {
  return useQuery({
    queryKey: logKeys.files(),
    queryFn: () => call(api.GET("/api/v1/logs/files")),
    refetchInterval: LOGS_REFRESH_MS,
  });
}

/** The most recent records that pass `query`, newest first; the last ones stay shown while
 *  a new filter loads. */
export function useLogLines(query: LogLinesQuery) {
  return useQuery({
    queryKey: logKeys.lines(query),
    queryFn: () => call(api.GET("/api/v1/logs/lines", { params: { query } })),
    refetchInterval: LOGS_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
}

/** The level the app logs from. */
export function useLogLevel() {
  return useQuery({
    queryKey: logKeys.level(),
    queryFn: () => call(api.GET("/api/v1/logs/level")),
  });
}

/** Change the level at once (kept across restarts); the lines are read again. */
export function useSetLogLevel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (level: SettableLogLevel) =>
      call(api.PUT("/api/v1/logs/level", { body: { level } })),
    onSuccess: (answer) => {
      client.setQueryData(logKeys.level(), answer);
      return client.invalidateQueries({ queryKey: logKeys.all });
    },
  });
}
