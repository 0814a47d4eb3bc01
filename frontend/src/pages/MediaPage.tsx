import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, call, errorMessage } from "../api/client";
import type { Download, LiveMessage, Media } from "../api/types";
import { StatusBadge } from "../components/Badges";
import { DownloadPanel } from "../components/DownloadPanel";
import { DownloadsTable } from "../components/DownloadsTable";
import { EventsList } from "../components/EventsList";
import { CheckboxField, SelectField } from "../components/Fields";
import { ConfirmDialog } from "../components/Modal";
import { ErrorState, Loading } from "../components/States";
import { profileOptions, useProfiles } from "../lib/data";
import { formatDateTime } from "../lib/format";
import { useAsync, useTitle } from "../lib/hooks";
import { useLiveMessages } from "../live";

const POLL_MS = 1500;
const MAX_MESSAGES = 30;

function Facts({ media }: { media: Media }) {
  const rows: [string, React.ReactNode][] = [
    ["Type", media.is_movie ? "Movie" : "Series"],
    ["Status", <StatusBadge key="s" status={media.status} />],
    ["Folder", <code key="f">{media.folder_path}</code>],
    ["IMDb", media.imdb_id || "—"],
    ["TMDB", media.tmdb_id || "—"],
    ["TVDB", media.tvdb_id || "—"],
    ["YouTube trailer id", media.youtube_trailer_id || "—"],
    ["Monitored", media.monitor ? "Yes" : "No"],
    ["Added", formatDateTime(media.added_at)],
    ["Updated", formatDateTime(media.updated_at)],
    ["Last download", formatDateTime(media.downloaded_at)],
  ];
  return (
    <dl className="facts">
      {rows.map(([k, v]) => (
        <div key={k} className="fact">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function MediaPage() {
  const { id } = useParams();
  const mediaId = Number(id);
  const navigate = useNavigate();
  const media = useAsync(
    () => call(api.GET("/api/v1/media/{media_id}", { params: { path: { media_id: mediaId } } })),
    [mediaId],
  );
  const downloads = useAsync(
    () =>
      call(
        api.GET("/api/v1/media/{media_id}/downloads", { params: { path: { media_id: mediaId } } }),
      ),
    [mediaId],
  );
  const events = useAsync(
    () =>
      call(api.GET("/api/v1/media/{media_id}/events", { params: { path: { media_id: mediaId } } })),
    [mediaId],
  );
  const profiles = useProfiles();
  useTitle(media.data?.title ?? "Media");

  const [active, setActive] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [messages, setMessages] = useState<LiveMessage[]>([]);
  const [toDelete, setToDelete] = useState<Download | null>(null);
  const [purge, setPurge] = useState(false);
  const [toRedownload, setToRedownload] = useState<Download | null>(null);
  const [redownloadProfile, setRedownloadProfile] = useState("");
  const [replace, setReplace] = useState(true);
  const [deletingMedia, setDeletingMedia] = useState(false);
  const [deleteFiles, setDeleteFiles] = useState(false);
  const [dialogBusy, setDialogBusy] = useState(false);
  const [dialogError, setDialogError] = useState<string | null>(null);

  // Counts the Success/Error messages seen: a fast download can end before its 202 arrives.
  const endings = useRef(0);
  const reloadAll = useRef(() => {});
  reloadAll.current = () => {
    media.reload();
    downloads.reload();
    events.reload();
  };

  const finish = useCallback(() => {
    setActive(false);
    setProgress(null);
    reloadAll.current();
  }, []);

  useLiveMessages((message) => {
    if (message.media_id !== mediaId) return;
    if (message.type === "Progress") {
      setActive(true);
      if (typeof message.percent === "number") setProgress(message.percent);
      return;
    }
    setMessages((list) => [...list, message].slice(-MAX_MESSAGES));
    if (message.type === "Success" || message.type === "Error") {
      endings.current += 1;
      finish();
    }
  });

  // Follow the media's status too, so the page settles even without live messages.
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(async () => {
      try {
        const current = await call(
          api.GET("/api/v1/media/{media_id}", { params: { path: { media_id: mediaId } } }),
        );
        if (current.status !== "downloading") finish();
      } catch {
        // keep polling; the page shows the last known state
      }
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [active, mediaId, finish]);

  // A download already running when the page opens.
  useEffect(() => {
    if (media.data?.status === "downloading") setActive(true);
  }, [media.data?.status]);

  /** Send a request that starts a download, then follow it until it ends. */
  async function follow(request: () => Promise<unknown>, note: string) {
    const sent: LiveMessage = { type: "Info", message: note, media_id: mediaId };
    const before = endings.current;
    setMessages((list) => [...list, sent].slice(-MAX_MESSAGES));
    try {
      await request();
    } catch (err) {
      setMessages((list) => list.filter((m) => m !== sent));
      throw err;
    }
    if (endings.current === before) {
      setProgress(null);
      setActive(true);
    }
  }

  async function startDownload(profileId: number | null, url: string | null) {
    await follow(
      () =>
        call(
          api.POST("/api/v1/media/{media_id}/download", {
            params: { path: { media_id: mediaId } },
            body: { profile_id: profileId, url },
          }),
        ),
      url ? `Download requested from ${url}` : "Download requested",
    );
  }

  async function confirmDelete() {
    if (!toDelete) return;
    setDialogBusy(true);
    setDialogError(null);
    try {
      await call(
        api.DELETE("/api/v1/downloads/{download_id}", {
          params: {
            path: { download_id: toDelete.id },
            query: { purge: purge || !toDelete.file_exists },
          },
        }),
      );
      setToDelete(null);
      reloadAll.current();
    } catch (err) {
      setDialogError(errorMessage(err));
    } finally {
      setDialogBusy(false);
    }
  }

  async function confirmRedownload() {
    if (!toRedownload) return;
    setDialogBusy(true);
    setDialogError(null);
    try {
      const target = toRedownload;
      await follow(
        () =>
          call(
            api.POST("/api/v1/downloads/{download_id}/redownload", {
              params: { path: { download_id: target.id } },
              body: { profile_id: redownloadProfile ? Number(redownloadProfile) : null, replace },
            }),
          ),
        `Re-download of ${target.file_name} requested`,
      );
      setToRedownload(null);
    } catch (err) {
      setDialogError(errorMessage(err));
    } finally {
      setDialogBusy(false);
    }
  }

  async function confirmDeleteMedia() {
    setDialogBusy(true);
    setDialogError(null);
    try {
      await call(
        api.DELETE("/api/v1/media/{media_id}", {
          params: { path: { media_id: mediaId }, query: { delete_files: deleteFiles } },
        }),
      );
      navigate("/", { replace: true });
    } catch (err) {
      setDialogError(errorMessage(err));
      setDialogBusy(false);
    }
  }

  if (!Number.isInteger(mediaId) || mediaId < 1) {
    return (
      <section className="page">
        <ErrorState error={new Error("No such media")} />
      </section>
    );
  }
  if (media.error && !media.data) {
    return (
      <section className="page">
        <p>
          <Link to="/">← Library</Link>
        </p>
        <ErrorState error={media.error} onRetry={media.reload} />
      </section>
    );
  }
  if (!media.data) {
    return (
      <section className="page">
        <Loading label="Loading media" />
      </section>
    );
  }
  const m = media.data;

  return (
    <section className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/">Library</Link> <span aria-hidden="true">›</span> {m.title}
      </nav>
      <header className="page-header">
        <h1>
          {m.title} <span className="muted">({m.year})</span>
        </h1>
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => {
            setDialogError(null);
            setDeleteFiles(false);
            setDeletingMedia(true);
          }}
        >
          Delete media
        </button>
      </header>
      <Facts media={m} />

      <section className="panel" aria-labelledby="download-heading">
        <h2 id="download-heading">Download</h2>
        <DownloadPanel
          profiles={profiles.data}
          busy={active}
          progress={progress}
          messages={messages}
          onStart={startDownload}
        />
      </section>

      <section className="panel" aria-labelledby="downloads-heading">
        <h2 id="downloads-heading">
          Downloads {downloads.data && <span className="count">{downloads.data.length}</span>}
        </h2>
        <DownloadsTable
          downloads={downloads.data}
          profiles={profiles.data}
          loading={downloads.loading}
          error={downloads.error}
          onRetry={downloads.reload}
          onDelete={(d) => {
            setDialogError(null);
            setPurge(false);
            setToDelete(d);
          }}
          onRedownload={(d) => {
            setDialogError(null);
            setRedownloadProfile(d.profile_id ? String(d.profile_id) : "");
            setReplace(true);
            setToRedownload(d);
          }}
        />
      </section>

      <section className="panel" aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        <EventsList events={events.data} error={events.error} onRetry={events.reload} />
      </section>

      {toDelete && (
        <ConfirmDialog
          title={toDelete.file_exists ? "Delete trailer" : "Remove record"}
          message={
            toDelete.file_exists ? (
              <p>
                Delete <strong>{toDelete.file_name}</strong> from disk? The history keeps the
                record, marked as deleted.
              </p>
            ) : (
              <p>
                Remove the record of <strong>{toDelete.file_name}</strong> from the history? The
                file is already gone.
              </p>
            )
          }
          confirmLabel={toDelete.file_exists ? "Delete" : "Remove"}
          danger
          busy={dialogBusy}
          error={dialogError}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setToDelete(null)}
        >
          {toDelete.file_exists && (
            <CheckboxField
              label="Also remove the record from the history"
              name="purge"
              checked={purge}
              onChange={setPurge}
            />
          )}
        </ConfirmDialog>
      )}
      {toRedownload && (
        <ConfirmDialog
          title="Re-download trailer"
          message={
            <p>
              Download <strong>{m.title}</strong>'s trailer again from{" "}
              {toRedownload.source_url || toRedownload.youtube_id || "its source"}.
            </p>
          }
          confirmLabel="Re-download"
          busy={dialogBusy}
          error={dialogError}
          onConfirm={() => void confirmRedownload()}
          onCancel={() => setToRedownload(null)}
        >
          <SelectField
            label="Profile"
            name="redownload_profile"
            value={redownloadProfile}
            onChange={setRedownloadProfile}
            options={profileOptions(profiles.data)}
          />
          <CheckboxField
            label="Replace the current trailer"
            name="replace"
            checked={replace}
            onChange={setReplace}
            hint="The old file is deleted and its record marked as replaced."
          />
        </ConfirmDialog>
      )}
      {deletingMedia && (
        <ConfirmDialog
          title="Delete media"
          message={
            <p>
              Remove <strong>{m.title}</strong> and its download history from Trailarr?
            </p>
          }
          confirmLabel="Delete media"
          danger
          busy={dialogBusy}
          error={dialogError}
          onConfirm={() => void confirmDeleteMedia()}
          onCancel={() => setDeletingMedia(false)}
        >
          <CheckboxField
            label="Also delete the trailer files"
            name="delete_files"
            checked={deleteFiles}
            onChange={setDeleteFiles}
          />
        </ConfirmDialog>
      )}
    </section>
  );
}
