import { useState } from "react";
import { ApiError, errorMessage } from "../api/client";
import { useDeleteRoot, useRoots, useScanRoot, type LibraryRoot } from "../hooks/queries/roots";
import { ConfirmDialog } from "./Modal";
import { RootDialog } from "./RootDialog";
import { Empty, ErrorState, Loading } from "./States";

function holds(root: LibraryRoot): string {
  if (root.is_movie === true) return "Movies";
  if (root.is_movie === false) return "Series";
  return "From the app";
}

function ScanButton({ root }: { root: LibraryRoot }) {
  const scan = useScanRoot();
  return (
    <>
      <button
        type="button"
        className="btn btn-small"
        aria-label={`Scan ${root.path} now`}
        disabled={scan.isPending}
        onClick={() => scan.mutate(root.id)}
      >
        {scan.isPending ? "Starting…" : "Scan now"}
      </button>
      {scan.isSuccess && (
        <span className="note" role="status">
          Scanned: {scan.data.added} added, {scan.data.updated} updated, {scan.data.removed} removed
          {scan.data.skipped > 0 && `, ${scan.data.skipped} skipped (see the logs)`}
        </span>
      )}
      {scan.isError && (
        <span className="field-error" role="alert">
          {errorMessage(scan.error)}
        </span>
      )}
    </>
  );
}

function DeleteRootDialog({ root, onClose }: { root: LibraryRoot; onClose: () => void }) {
  const remove = useDeleteRoot();
  // 409: media folders lie inside; deleting anyway keeps the media (outside every root).
  const holdsMedia = remove.error instanceof ApiError && remove.error.status === 409;
  return (
    <ConfirmDialog
      title="Delete library root"
      message={
        <p>
          Remove <code>{root.path}</code> from the library roots? No file is deleted; media inside
          it can no longer be edited or downloaded until it is a root again.
        </p>
      }
      confirmLabel={holdsMedia ? "Delete anyway" : "Delete"}
      danger
      busy={remove.isPending}
      error={remove.isError ? errorMessage(remove.error) : null}
      onConfirm={() => remove.mutate({ id: root.id, force: holdsMedia }, { onSuccess: onClose })}
      onCancel={onClose}
    />
  );
}

/** Settings → Library roots: every media folder lies inside one of these. */
export function RootsSettings() {
  const roots = useRoots();
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<LibraryRoot | null>(null);

  return (
    <section className="panel" aria-labelledby="roots-heading">
      <header className="page-header">
        <h2 id="roots-heading">Library roots</h2>
        <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
          Add root
        </button>
      </header>
      <p className="muted">
        Trailarr only writes inside these folders. Radarr and Sonarr report theirs; add a local root
        for folders no app manages.
      </p>
      {roots.isError ? (
        <ErrorState error={roots.error} onRetry={() => void roots.refetch()} />
      ) : roots.isPending ? (
        <Loading label="Loading library roots" />
      ) : roots.data.length === 0 ? (
        <Empty>No library root yet. Add a connection or a local root.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table roots-table">
            <thead>
              <tr>
                <th scope="col">Folder</th>
                <th scope="col">Kind</th>
                <th scope="col">Holds</th>
                <th scope="col">Scan</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {roots.data.map((r) => (
                <tr key={r.id} data-root-id={r.id}>
                  <td>
                    <code>{r.path}</code>
                  </td>
                  <td>
                    {r.kind === "connection"
                      ? `Connection: ${r.connection_name ?? `#${r.connection_id}`}`
                      : "Local"}
                  </td>
                  <td>{holds(r)}</td>
                  <td>{r.kind === "connection" ? "By sync" : r.scan ? "Yes" : "No"}</td>
                  <td className="cell-actions">
                    {r.kind === "connection" ? (
                      <span className="muted">
                        Reported by {r.connection_name ?? "its connection"}: remove it there, or
                        delete the connection
                      </span>
                    ) : (
                      <div className="actions">
                        <ScanButton root={r} />
                        <button
                          type="button"
                          className="btn btn-small btn-danger"
                          aria-label={`Delete ${r.path}`}
                          onClick={() => setDeleting(r)}
                        >
                          Delete
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {adding && <RootDialog onClose={() => setAdding(false)} />}
      {deleting && <DeleteRootDialog root={deleting} onClose={() => setDeleting(null)} />}
    </section>
  );
}
