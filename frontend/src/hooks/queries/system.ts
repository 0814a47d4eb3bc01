// System > Status (GET /api/v1/system/status): versions, health checks, disk space.
import { useQuery } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { components } from "../../api/schema";
import { systemKeys } from "./keys";

export { systemKeys };

export type SystemStatus = components["schemas"]["SystemStatus"];
export type HealthCheck = components["schemas"]["HealthCheck"];
export type DiskSpace = components["schemas"]["DiskSpace"];

/** How often the status is read again while the page is open: disk space and the checks
 * change slowly, and the server keeps ffmpeg's version for minutes anyway. */
export const STATUS_REFRESH_MS = 60_000;

export function useSystemStatus() {
  return useQuery({
    queryKey: systemKeys.status(),
    queryFn: () => call(api.GET("/api/v1/system/status")),
    refetchInterval: STATUS_REFRESH_MS,
  });
}
