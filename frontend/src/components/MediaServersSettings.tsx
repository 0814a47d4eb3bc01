import { useState } from "react";
import { errorMessage } from "../api/client";
import type { MediaServer } from "../api/types";
import {
  useDeleteMediaServer,
  useMediaServers,
  useTestMediaServer,
} from "../hooks/queries/mediaservers";
import { RowTestButton } from "./CheckResult";
import { MediaServerDialog, mediaServerLabel, serverIdentity } from "./MediaServerDialog";
import { ConfirmDialog } from "./Modal";
import { Empty, ErrorState, Loading } from "./States";
import { RowActions } from "./DialogParts";

/** Ask a saved server who it is and say it beside the button: its name and version, or why not. */
function TestMediaServerButton({ server }: { server: MediaServer }) {
  const test = useTestMediaServer();
  return (
    <RowTestButton
      label={`Test ${server.name}`}
      pending={test.isPending}
      onTest={() => test.mutate({ id: server.id })}
      error={test.error}
      result={test.data}
      okText={test.data ? serverIdentity(test.data, server.kind) : ""}
    />
  );
}

function DeleteMediaServerDialog({
  server,
  onClose,
}: {
  server: MediaServer;
  onClose: () => void;
}) {
  const remove = useDeleteMediaServer();
  return (
    <ConfirmDialog
      title="Delete media server"
      message={
        <p>
          Stop asking <strong>{server.name}</strong> to rescan? Its token is forgotten; its library
          is not touched.
        </p>
      }
      confirmLabel="Delete"
      danger
      busy={remove.isPending}
      error={remove.isError ? errorMessage(remove.error) : null}
      onConfirm={() => remove.mutate(server.id, { onSuccess: onClose })}
      onCancel={onClose}
    />
  );
}

/** Settings → Connect → Media servers: Plex, Jellyfin and Emby, told to rescan a folder. */
export function MediaServersSettings() {
  const servers = useMediaServers();
  const [editing, setEditing] = useState<MediaServer | "new" | null>(null);
  const [deleting, setDeleting] = useState<MediaServer | null>(null);

  return (
    <section className="panel" aria-labelledby="mediaservers-heading">
      <header className="page-header">
        <h2 id="mediaservers-heading">Media servers</h2>
        <button type="button" className="btn btn-primary" onClick={() => setEditing("new")}>
          Add media server
        </button>
      </header>
      <p className="muted">
        When a trailer is added or removed, Plex, Jellyfin and Emby rescan that media's folder, so
        the trailer shows there at once.
      </p>
      {servers.isError ? (
        <ErrorState error={servers.error} onRetry={() => void servers.refetch()} />
      ) : servers.isPending ? (
        <Loading label="Loading media servers" />
      ) : servers.data.length === 0 ? (
        <Empty>No media server yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table mediaservers-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">URL</th>
                <th scope="col">Token</th>
                <th scope="col">Path mappings</th>
                <th scope="col">Enabled</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {servers.data.map((s) => (
                <tr key={s.id} data-mediaserver-id={s.id}>
                  <td>{s.name}</td>
                  <td>{mediaServerLabel(s.kind)}</td>
                  <td>
                    <code>{s.url}</code>
                  </td>
                  <td>
                    <code>{s.token}</code>
                  </td>
                  <td>
                    {(s.path_mappings ?? []).length === 0 ? (
                      <span className="muted">None</span>
                    ) : (
                      <ul className="cell-sub">
                        {(s.path_mappings ?? []).map((m) => (
                          <li key={m.id}>
                            <code>{m.path_from}</code>
                            {" → "}
                            <code>{m.path_to}</code>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>{s.enabled ? "Yes" : "No"}</td>
                  <RowActions
                    name={s.name}
                    onEdit={() => setEditing(s)}
                    onDelete={() => setDeleting(s)}
                  >
                    <TestMediaServerButton server={s} />
                  </RowActions>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && (
        <MediaServerDialog
          server={editing === "new" ? undefined : editing}
          onClose={() => setEditing(null)}
        />
      )}
      {deleting && <DeleteMediaServerDialog server={deleting} onClose={() => setDeleting(null)} />}
    </section>
  );
}
