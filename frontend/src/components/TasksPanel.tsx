import { errorMessage } from "../api/client";
import { useRunTask, useTasks, useUpdateTask, type TaskState } from "../hooks/queries/tasks";
import { formatDateTime, formatDuration } from "../lib/format";
import { Empty, ErrorState, Loading } from "./States";

/** The intervals offered, in minutes (the server takes 5 minutes to 30 days). */
export const INTERVAL_CHOICES = [15, 30, 60, 120, 360, 720, 1440, 10080] as const;

export function formatInterval(minutes: number): string {
  if (minutes % 10080 === 0)
    return minutes === 10080 ? "Every week" : `Every ${minutes / 10080} weeks`;
  if (minutes % 1440 === 0) return minutes === 1440 ? "Every day" : `Every ${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? "Every hour" : `Every ${minutes / 60} hours`;
  return `Every ${minutes} minutes`;
}

function LastRun({ task }: { task: TaskState }) {
  if (!task.last_started_at) return <span className="muted">Never</span>;
  return (
    <>
      {formatDateTime(task.last_started_at)}
      {task.last_duration_s != null && !task.running && (
        <span className="muted"> · took {formatDuration(task.last_duration_s)}</span>
      )}
      {task.last_error && !task.running && (
        <div className="field-error" data-col="last_error">
          Failed: {task.last_error}
        </div>
      )}
    </>
  );
}

function TaskRow({ task }: { task: TaskState }) {
  const run = useRunTask(task.name);
  const update = useUpdateTask();
  const choices = INTERVAL_CHOICES.includes(task.interval_minutes as never)
    ? INTERVAL_CHOICES
    : [...INTERVAL_CHOICES, task.interval_minutes].sort((a, b) => a - b);
  const error = update.error ?? run.error;
  return (
    <tr data-task={task.name}>
      <td>
        <strong>{task.name}</strong>
        <div className="muted">{task.description}</div>
        {error && (
          <div className="field-error" role="alert">
            {errorMessage(error)}
          </div>
        )}
      </td>
      <td>
        <label className="task-toggle">
          <input
            type="checkbox"
            checked={task.enabled}
            disabled={update.isPending}
            aria-label={`Run ${task.name} on schedule`}
            onChange={(event) =>
              update.mutate({ name: task.name, schedule: { enabled: event.target.checked } })
            }
          />
          {task.enabled ? "On" : "Off"}
        </label>
      </td>
      <td>
        <select
          aria-label={`Interval of ${task.name}`}
          value={task.interval_minutes}
          disabled={update.isPending}
          onChange={(event) =>
            update.mutate({
              name: task.name,
              schedule: { interval_minutes: Number(event.target.value) },
            })
          }
        >
          {choices.map((minutes) => (
            <option key={minutes} value={minutes}>
              {formatInterval(minutes)}
            </option>
          ))}
        </select>
      </td>
      <td data-col="last_run">
        <LastRun task={task} />
      </td>
      <td data-col="next_run">
        {task.running ? (
          <span className="badge badge-downloading" role="status">
            Running…
          </span>
        ) : task.enabled ? (
          formatDateTime(task.next_run_at)
        ) : (
          <span className="muted">Off</span>
        )}
      </td>
      <td className="cell-actions">
        <button
          type="button"
          className="btn btn-small"
          aria-label={`Run ${task.name} now`}
          disabled={task.running || run.isPending}
          onClick={() => run.mutate()}
        >
          Run now
        </button>
      </td>
    </tr>
  );
}

/** System → Tasks: the scheduled tasks, their interval, last and next run; run one now. */
export function TasksPanel() {
  const tasks = useTasks();
  return (
    <section className="panel" aria-labelledby="tasks-heading">
      <header className="page-header">
        <h2 id="tasks-heading">Tasks</h2>
      </header>
      <p className="muted">
        Trailarr runs these on its own, one interval after each one&apos;s last start. A task that
        is still running when its time comes is skipped until the next one.
      </p>
      {tasks.error && !tasks.data ? (
        <ErrorState error={tasks.error} onRetry={() => void tasks.refetch()} />
      ) : !tasks.data ? (
        <Loading label="Loading tasks" />
      ) : tasks.data.length === 0 ? (
        <Empty>No tasks</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table tasks-table">
            <caption className="visually-hidden">Scheduled tasks</caption>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Scheduled</th>
                <th scope="col">Interval</th>
                <th scope="col">Last run</th>
                <th scope="col">Next run</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.map((task) => (
                <TaskRow key={task.name} task={task} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
