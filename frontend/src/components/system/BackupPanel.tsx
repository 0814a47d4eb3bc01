import { useState, type FormEvent } from "react";
import { ApiError, errorMessage } from "../../api/client";
import {
  backupDownloadHref,
  useBackUpNow,
  useBackupSettings,
  useBackups,
  useCancelRestore,
  useDeleteBackup,
  useRestoreBackup,
  useRestoreState,
  useUpdateBackupSettings,
  useUploadRestore,
  type Backup,
  type RestoreState,
} from "../../hooks/queries/backups";
import { useTask, useUpdateTask } from "../../hooks/queries/tasks";
import { formatDateTime, formatSize } from "../../lib/format";
import { SelectField, TextField } from "../Fields";
import { ConfirmDialog } from "../Modal";
import { Empty, ErrorState, Loading } from "../States";
import { formatInterval } from "../TasksPanel";

/** The scheduled task that takes the backups: its interval is the backup interval. */
export const BACKUP_TASK = "backup";
/** The intervals offered, in minutes: a day to the 30 days the server allows at most. */
export const BACKUP_INTERVALS = [1440, 2880, 4320, 10080, 20160, 43200] as const;

const TYPE_LABELS: Record<Backup["type"], string> = {
  scheduled: "Scheduled",
  manual: "Manual",
  before_migration: "Before update",
  before_restore: "Before restore",
};

/** A restore waits for the next start: say so, with a way back. */
function StagedRestore({ state }: { state: RestoreState }) {
  const cancel = useCancelRestore();
  return (
    <div className="backup-staged" role="status" aria-label="Staged restore">
      <p>
        <strong>A restore is staged</strong>
        {state.source ? <> from {state.source}</> : null}: it is applied at the next start of
        Trailarr (the current database is backed up first). Restart Trailarr to apply it.
      </p>
      <button
        type="button"
        className="btn btn-small"
        disabled={cancel.isPending}
        onClick={() => cancel.mutate()}
      >
        Cancel restore
      </button>
      {cancel.error && (
        <div className="field-error" role="alert">
          {errorMessage(cancel.error)}
        </div>
      )}
    </div>
  );
}

/** When backups are taken (the `backup` task's schedule) and how many are kept. */
function BackupSchedule() {
  const task = useTask(BACKUP_TASK);
  const updateTask = useUpdateTask();
  const settings = useBackupSettings();
  const updateSettings = useUpdateBackupSettings();
  const [keep, setKeep] = useState<string | null>(null);

  const shownKeep = keep ?? (settings.data ? String(settings.data.keep) : "");
  const interval = task.data?.interval_minutes;
  const intervals =
    interval === undefined || (BACKUP_INTERVALS as readonly number[]).includes(interval)
      ? BACKUP_INTERVALS
      : [...BACKUP_INTERVALS, interval].sort((a, b) => a - b);

  function saveKeep(event: FormEvent) {
    event.preventDefault();
    updateSettings.mutate(Number(shownKeep), { onSuccess: () => setKeep(null) });
  }

  const failed = updateSettings.error;
  const keepError =
    failed instanceof ApiError
      ? (failed.fieldErrors.keep ?? failed.message)
      : failed
        ? errorMessage(failed)
        : undefined;
  const intervalFailed = updateTask.error ?? task.error;
  return (
    <form
      className="form form-inline backup-schedule"
      onSubmit={saveKeep}
      noValidate
      aria-label="Schedule"
    >
      <label className="task-toggle field-align-end">
        <input
          type="checkbox"
          checked={task.data?.enabled ?? false}
          disabled={!task.data || updateTask.isPending}
          onChange={(event) =>
            updateTask.mutate({ name: BACKUP_TASK, schedule: { enabled: event.target.checked } })
          }
        />
        Back up on schedule
      </label>
      <SelectField
        label="Interval"
        name="interval"
        value={interval === undefined ? "" : String(interval)}
        onChange={(value) =>
          updateTask.mutate({ name: BACKUP_TASK, schedule: { interval_minutes: Number(value) } })
        }
        options={intervals.map((minutes) => ({
          value: String(minutes),
          label: formatInterval(minutes),
        }))}
        error={intervalFailed ? errorMessage(intervalFailed) : undefined}
        hint={
          task.data?.enabled && task.data.next_run_at
            ? `Next: ${formatDateTime(task.data.next_run_at)}`
            : undefined
        }
      />
      <TextField
        label="Backups kept"
        name="keep"
        type="number"
        min={1}
        max={1000}
        value={shownKeep}
        onChange={setKeep}
        error={keepError}
        hint="Scheduled and manual ones, newest first"
      />
      <div className="form-actions field-align-end">
        <button type="submit" className="btn" disabled={keep === null || updateSettings.isPending}>
          Save
        </button>
      </div>
    </form>
  );
}

type Asking = { action: "restore" | "delete"; backup: Backup };

function BackupRows({ backups, canRestore }: { backups: Backup[]; canRestore: boolean }) {
  const [asking, setAsking] = useState<Asking | null>(null);
  const restore = useRestoreBackup();
  const remove = useDeleteBackup();

  function ask(action: Asking["action"], backup: Backup) {
    restore.reset();
    remove.reset();
    setAsking({ action, backup });
  }

  function confirm() {
    if (!asking) return;
    const done = { onSuccess: () => setAsking(null) };
    if (asking.action === "restore") restore.mutate(asking.backup.name, done);
    else remove.mutate(asking.backup.name, done);
  }

  const pending = asking?.action === "restore" ? restore : remove;
  return (
    <>
      <div className="table-wrap">
        <table className="table backups-table">
          <caption className="visually-hidden">Backups</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Size</th>
              <th scope="col">Date</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {backups.map((backup) => (
              <tr key={backup.name} data-backup={backup.name}>
                <td data-col="name">{backup.name}</td>
                <td data-col="type">{TYPE_LABELS[backup.type]}</td>
                <td data-col="size">{formatSize(backup.size)}</td>
                <td data-col="created">{formatDateTime(backup.created)}</td>
                <td className="cell-actions">
                  <div className="button-row">
                    <a
                      className="btn btn-small"
                      href={backupDownloadHref(backup.name)}
                      download={backup.name}
                      aria-label={`Download ${backup.name}`}
                    >
                      Download
                    </a>
                    {canRestore && backup.format === "sqlite" && (
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={`Restore ${backup.name}`}
                        onClick={() => ask("restore", backup)}
                      >
                        Restore
                      </button>
                    )}
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      aria-label={`Delete ${backup.name}`}
                      onClick={() => ask("delete", backup)}
                    >
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {asking && (
        <ConfirmDialog
          title={asking.action === "restore" ? "Restore this backup?" : "Delete this backup?"}
          message={
            asking.action === "restore" ? (
              <p>
                <code>{asking.backup.name}</code> is checked, then replaces the database at the next
                start of Trailarr; the current database is backed up first. Until then you can
                cancel it.
              </p>
            ) : (
              <p>
                <code>{asking.backup.name}</code> is deleted from the backups folder for good.
              </p>
            )
          }
          confirmLabel={asking.action === "restore" ? "Restore" : "Delete"}
          danger={asking.action === "delete"}
          busy={pending.isPending}
          error={pending.error ? errorMessage(pending.error) : null}
          onConfirm={confirm}
          onCancel={() => setAsking(null)}
        />
      )}
    </>
  );
}

/** "Restore from a file": a backup taken elsewhere, or downloaded before. */
function RestoreUpload() {
  const upload = useUploadRestore();
  const [file, setFile] = useState<File | null>(null);
  const [inputKey, setInputKey] = useState(0);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    upload.mutate(file, {
      onSuccess: () => {
        setFile(null);
        setInputKey((key) => key + 1); // empties the file input
      },
    });
  }

  return (
    <form
      className="form form-inline backup-upload"
      onSubmit={submit}
      aria-label="Restore from a file"
    >
      <div className="field field-grow">
        <label htmlFor="backup-upload-file">Restore from a file</label>
        <input
          key={inputKey}
          id="backup-upload-file"
          type="file"
          accept=".db,.zip,application/zip,application/x-sqlite3,application/vnd.sqlite3"
          aria-invalid={upload.error ? true : undefined}
          aria-describedby="backup-upload-hint"
          onChange={(event) => {
            upload.reset();
            setFile(event.target.files?.[0] ?? null);
          }}
        />
        <span className="field-hint" id="backup-upload-hint">
          A Trailarr backup (.db), or a zip holding one; it is checked, then applied at the next
          start.
        </span>
        {upload.error && (
          <span className="field-error" role="alert">
            {errorMessage(upload.error)}
          </span>
        )}
      </div>
      <div className="form-actions field-align-end">
        <button type="submit" className="btn" disabled={!file || upload.isPending}>
          {upload.isPending ? "Uploading…" : "Upload and restore"}
        </button>
      </div>
    </form>
  );
}

/** System → Backup: back up now, the schedule and kept count, the backups, restores. */
export function BackupPanel() {
  const backups = useBackups();
  const restore = useRestoreState();
  const backUp = useBackUpNow();
  const canRestore = restore.data?.supported ?? false;

  return (
    <section className="panel" aria-labelledby="backup-heading">
      <header className="page-header">
        <h2 id="backup-heading">Backup</h2>
        <button
          type="button"
          className="btn btn-primary"
          disabled={backUp.isPending}
          onClick={() => backUp.mutate()}
        >
          {backUp.isPending ? "Backing up…" : "Back up now"}
        </button>
      </header>
      {backUp.error && (
        <div className="form-error" role="alert">
          {errorMessage(backUp.error)}
        </div>
      )}
      {restore.data?.staged && <StagedRestore state={restore.data} />}
      <BackupSchedule />
      {backups.error && !backups.data ? (
        <ErrorState error={backups.error} onRetry={() => void backups.refetch()} />
      ) : !backups.data ? (
        <Loading label="Loading backups" />
      ) : backups.data.length === 0 ? (
        <Empty>No backups yet</Empty>
      ) : (
        <BackupRows backups={backups.data} canRestore={canRestore} />
      )}
      {restore.data && !canRestore && <p className="note">{restore.data.message}</p>}
      {canRestore && <RestoreUpload />}
    </section>
  );
}
