import { useState } from "react";
import { errorMessage } from "../api/client";
import type { NotificationTarget } from "../api/types";
import {
  useDeleteNotification,
  useNotifications,
  useTestNotification,
} from "../hooks/queries/notifications";
import { RowTestButton } from "./CheckResult";
import { APPRISE_DOCS, NotificationDialog, notificationEventLabel } from "./NotificationDialog";
import { ConfirmDialog } from "./Modal";
import { Empty, ErrorState, Loading } from "./States";
import { RowActions } from "./DialogParts";

/** Send a test to a saved target and say how it went, beside the button. */
function TestNotificationButton({ target }: { target: NotificationTarget }) {
  const test = useTestNotification();
  return (
    <RowTestButton
      label={`Test ${target.name}`}
      pending={test.isPending}
      onTest={() => test.mutate({ id: target.id })}
      error={test.error}
      result={test.data}
      okText="Sent"
    />
  );
}

function DeleteNotificationDialog({
  target,
  onClose,
}: {
  target: NotificationTarget;
  onClose: () => void;
}) {
  const remove = useDeleteNotification();
  return (
    <ConfirmDialog
      title="Delete notification"
      message={
        <p>
          Stop notifying <strong>{target.name}</strong>? Its URL is forgotten.
        </p>
      }
      confirmLabel="Delete"
      danger
      busy={remove.isPending}
      error={remove.isError ? errorMessage(remove.error) : null}
      onConfirm={() => remove.mutate(target.id, { onSuccess: onClose })}
      onCancel={onClose}
    />
  );
}

/** Settings → Connect → Notifications: Apprise URLs told about what Trailarr does. */
export function NotificationsSettings() {
  const targets = useNotifications();
  const [editing, setEditing] = useState<NotificationTarget | "new" | null>(null);
  const [deleting, setDeleting] = useState<NotificationTarget | null>(null);

  return (
    <section className="panel" aria-labelledby="notifications-heading">
      <header className="page-header">
        <h2 id="notifications-heading">Notifications</h2>
        <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>
          Add notification
        </button>
      </header>
      <p className="muted">
        Discord, Telegram, email, ntfy and{" "}
        <a href={APPRISE_DOCS} target="_blank" rel="noreferrer">
          many more
        </a>{" "}
        hear about downloads, failures and problems, through Apprise.
      </p>
      {targets.isError ? (
        <ErrorState error={targets.error} onRetry={() => void targets.refetch()} />
      ) : targets.isPending ? (
        <Loading label="Loading notifications" />
      ) : targets.data.length === 0 ? (
        <Empty>No notification yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table notifications-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Enabled</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {targets.data.map((t) => (
                <tr key={t.id} data-notification-id={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <code>{t.url}</code>
                  </td>
                  <td>
                    <span className="badges">
                      {t.events.length === 0 ? (
                        <span className="muted">None</span>
                      ) : (
                        t.events.map((e) => (
                          <span key={e} className="badge badge-neutral">
                            {notificationEventLabel(e)}
                          </span>
                        ))
                      )}
                    </span>
                  </td>
                  <td>{t.enabled ? "Yes" : "No"}</td>
                  <RowActions
                    name={t.name}
                    onEdit={() => setEditing(t)}
                    onDelete={() => setDeleting(t)}
                  >
                    <TestNotificationButton target={t} />
                  </RowActions>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && (
        <NotificationDialog
          target={editing === "new" ? undefined : editing}
          onClose={() => setEditing(null)}
        />
      )}
      {deleting && <DeleteNotificationDialog target={deleting} onClose={() => setDeleting(null)} />}
    </section>
  );
}
