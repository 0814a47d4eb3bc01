// Database backups (System → Backup): the list, back up now, delete, the kept count, and
// restores (staged from a listed backup or an uploaded file, applied at the next start).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { components } from "../../api/schema";
import { backupKeys } from "./keys";

export type Backup = components["schemas"]["BackupRead"];
export type BackupSettings = components["schemas"]["BackupSettings"];
export type RestoreState = components["schemas"]["RestoreState"];

/** The backup resources beside the list (keys.ts holds the list's key, shared). */
export const backupQueryKeys = {
  ...backupKeys,
  settings: () => [...backupKeys.all, "settings"] as const,
  restore: () => [...backupKeys.all, "restore"] as const,
};

/** The file of a backup, for a download link (the session cookie authenticates it). */
export function backupDownloadHref(name: string): string {
  return `/api/v1/backups/${encodeURIComponent(name)}/download`;
}

/** The backups, newest first. */
export function useBackups() {
  return useQuery({
    queryKey: backupQueryKeys.list(),
    queryFn: () => call(api.GET("/api/v1/backups")),
  });
}

/** Back the database up now (201 with the backup; 409 while one is being taken). */
export function useBackUpNow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => call(api.POST("/api/v1/backups")),
    onSuccess: () => client.invalidateQueries({ queryKey: backupQueryKeys.list() }),
  });
}

export function useDeleteBackup() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) =>
      call(api.DELETE("/api/v1/backups/{name}", { params: { path: { name } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: backupQueryKeys.list() }),
  });
}

/** How many scheduled and manual backups are kept. */
export function useBackupSettings() {
  return useQuery({
    queryKey: backupQueryKeys.settings(),
    queryFn: () => call(api.GET("/api/v1/backups/settings")),
  });
}

export function useUpdateBackupSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (keep: number) => call(api.PATCH("/api/v1/backups/settings", { body: { keep } })),
    onSuccess: (settings) => client.setQueryData(backupQueryKeys.settings(), settings),
  });
}

/** Whether a restore is staged, and whether restores are possible (not on PostgreSQL). */
export function useRestoreState() {
  return useQuery({
    queryKey: backupQueryKeys.restore(),
    queryFn: () => call(api.GET("/api/v1/backups/restore")),
  });
}

function useSetsRestoreState<T>(mutationFn: (input: T) => Promise<RestoreState>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: (state) => client.setQueryData(backupQueryKeys.restore(), state),
  });
}

/** Stage the restore of a listed backup (checked first: 422 says what is wrong with it). */
export function useRestoreBackup() {
  return useSetsRestoreState((name: string) =>
    call(api.POST("/api/v1/backups/{name}/restore", { params: { path: { name } } })),
  );
}

/** Upload a backup file (.db, or a zip holding one) and stage its restore. */
export function useUploadRestore() {
  return useSetsRestoreState((file: File) => {
    const form = new FormData();
    form.append("file", file);
    // A FormData body goes as it is; the browser writes its multipart Content-Type.
    return call(api.POST("/api/v1/backups/restore", { body: form as never }));
  });
}

/** Drop the staged restore: the next start keeps the current database. */
export function useCancelRestore() {
  return useSetsRestoreState<void>(() => call(api.DELETE("/api/v1/backups/restore")));
}
