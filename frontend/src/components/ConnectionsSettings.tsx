import { useState } from "react";
import { errorMessage } from "../api/client";
import {
  useConnectionCheck,
  useConnectionRootFolders,
  useConnections,
  useDeleteConnection,
  useRefreshConnection,
  useSyncEndInvalidation,
  type Connection,
} from "../hooks/queries/connections";
import { ConnectionDialog, MONITOR_MODES, arrLabel } from "./ConnectionDialog";
import { ConfirmDialog } from "./Modal";
import { Empty, ErrorState, Loading } from "./States";
import { RowActions } from "./DialogParts";

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}

/** "Radarr 5.2.1, 1 root folder", or why the app cannot be used. */
export function ConnectionStatus({ connection }: { connection: Connection }) {
  const folders = useConnectionRootFolders(connection.id);
  const check = useConnectionCheck(connection.id);
  if (folders.isPending) return <span className="muted">Checking…</span>;
  if (folders.isError) {
    return (
      <span className="field-error" role="alert">
        {errorMessage(folders.error)}
      </span>
    );
  }
  const app = check.data?.app_name ?? arrLabel(connection.arr_type);
  const version = check.data?.version ? ` ${check.data.version}` : "";
  const inaccessible = folders.data.filter((f) => f.accessible === false).length;
  return (
    <span data-connection-status>
      {app}
      {version}, {plural(folders.data.length, "root folder")}
      {inaccessible > 0 && <span className="field-error">, {inaccessible} not accessible</span>}
    </span>
  );
}

/** The root folders of one connection, with where they are on this server. */
function ConnectionFolders({ connection }: { connection: Connection }) {
  const folders = useConnectionRootFolders(connection.id);
  if (!folders.data || folders.data.length === 0) return null;
  return (
    <ul className="cell-sub">
      {folders.data.map((f) => (
        <li key={f.path}>
          <code>{f.path}</code>
          {f.mapped_path && f.mapped_path !== f.path && (
            <>
              {" → "}
              <code>{f.mapped_path}</code>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function RefreshButton({ connection }: { connection: Connection }) {
  const refresh = useRefreshConnection();
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        aria-label={`Refresh ${connection.name}`}
        disabled={refresh.isPending}
        onClick={() => refresh.mutate(connection.id)}
      >
        {refresh.isPending ? "Starting…" : "Refresh"}
      </button>
      {refresh.isSuccess && (
        <span className="note" role="status">
          Sync started
        </span>
      )}
      {refresh.isError && (
        <span className="field-error" role="alert">
          {errorMessage(refresh.error)}
        </span>
      )}
    </>
  );
}

function DeleteConnectionDialog({
  connection,
  onClose,
}: {
  connection: Connection;
  onClose: () => void;
}) {
  const remove = useDeleteConnection();
  return (
    <ConfirmDialog
      title="Delete connection"
      message={
        <p>
          Stop syncing from <strong>{connection.name}</strong>? Its root folders leave the library
          roots. Files on disk are not touched.
        </p>
      }
      confirmLabel="Delete"
      danger
      busy={remove.isPending}
      error={remove.isError ? errorMessage(remove.error) : null}
      onConfirm={() => remove.mutate(connection.id, { onSuccess: onClose })}
      onCancel={onClose}
    />
  );
}

/** Settings → Connections: Radarr and Sonarr, which the `sync` task reads media from. */
export function ConnectionsSettings() {
  const connections = useConnections();
  useSyncEndInvalidation();
  const [editing, setEditing] = useState<Connection | "new" | null>(null);
  const [deleting, setDeleting] = useState<Connection | null>(null);

  return (
    <section className="panel" aria-labelledby="connections-heading">
      <header className="page-header">
        <h2 id="connections-heading">Connections</h2>
        <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>
          Add connection
        </button>
      </header>
      <p className="muted">
        Radarr and Sonarr tell Trailarr which movies and series you have, and where.
      </p>
      {connections.isError ? (
        <ErrorState error={connections.error} onRetry={() => void connections.refetch()} />
      ) : connections.isPending ? (
        <Loading label="Loading connections" />
      ) : connections.data.length === 0 ? (
        <Empty>No connection yet. Add Radarr or Sonarr to bring in your library.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table connections-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">URL</th>
                <th scope="col">API key</th>
                <th scope="col">Monitor</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {connections.data.map((c) => (
                <tr key={c.id} data-connection-id={c.id}>
                  <td>{c.name}</td>
                  <td>{arrLabel(c.arr_type)}</td>
                  <td>
                    <code>{c.url}</code>
                  </td>
                  <td>
                    <code>{c.api_key}</code>
                  </td>
                  <td title={MONITOR_MODES.find((m) => m.value === c.monitor)?.help}>
                    {MONITOR_MODES.find((m) => m.value === c.monitor)?.label ?? c.monitor}
                  </td>
                  <td>
                    <ConnectionStatus connection={c} />
                    <ConnectionFolders connection={c} />
                  </td>
                  <RowActions
                    name={c.name}
                    onEdit={() => setEditing(c)}
                    onDelete={() => setDeleting(c)}
                  >
                    <RefreshButton connection={c} />
                  </RowActions>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && (
        <ConnectionDialog
          connection={editing === "new" ? undefined : editing}
          onClose={() => setEditing(null)}
        />
      )}
      {deleting && (
        <DeleteConnectionDialog connection={deleting} onClose={() => setDeleting(null)} />
      )}
    </section>
  );
}
