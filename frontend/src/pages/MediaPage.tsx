import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { errorMessage } from "../api/client";
import type { Download, LiveMessage, Media, Profile } from "../api/types";
import { StatusBadge } from "../components/Badges";
import { DownloadPanel } from "../components/DownloadPanel";
import { DownloadsTable } from "../components/DownloadsTable";
import { EventsList } from "../components/EventsList";
import { CheckboxField, SelectField } from "../components/Fields";
import { MediaEditDialog } from "../components/library/MediaEditDialog";
import { ConfirmDialog } from "../components/Modal";
import { SearchButton } from "../components/SearchDialog";
import { ErrorState, Loading } from "../components/States";
import { useDeleteDownload, useMediaDownloads, useRedownload } from "../hooks/queries/downloads";
import { useMediaEvents } from "../hooks/queries/events";
import { useDeleteMedia, useMedia, useStartDownload } from "../hooks/queries/media";
import { useProfiles } from "../hooks/queries/profiles";
import { useQueuedFor } from "../hooks/queries/queue";
import { profileOptions } from "../lib/data";
import { formatDateTime } from "../lib/format";
import { useTitle } from "../lib/hooks";
import { useLiveMessages } from "../live";

/** How often the media is read again while its download runs (live messages aside). */
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
    ["Trailer", media.trailer_url || media.youtube_trailer_id || "—"],
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

function DeleteDownloadDialog({ download, onClose }: { download: Download; onClose: () => void }) {
  const [purge, setPurge] = useState(false);
  const remove = useDeleteDownload();
  return (
    <ConfirmDialog
      title={download.file_exists ? "Delete trailer" : "Remove record"}
      message={
        download.file_exists ? (
          <p>
            Delete <strong>{download.file_name}</strong> from disk? The history keeps the record,
            marked as deleted.
          </p>
        ) : (
          <p>
            Remove the record of <strong>{download.file_name}</strong> from the history? The file is
            already gone.
          </p>
        )
      }
      confirmLabel={download.file_exists ? "Delete" : "Remove"}
      danger
      busy={remove.isPending}
      error={remove.isError ? errorMessage(remove.error) : null}
      onConfirm={() =>
        remove.mutate(
          { id: download.id, purge: purge || !download.file_exists },
          { onSuccess: onClose },
        )
      }
      onCancel={onClose}
    >
      {download.file_exists && (
        <CheckboxField
          label="Also remove the record from the history"
          name="purge"
          checked={purge}
          onChange={setPurge}
        />
      )}
    </ConfirmDialog>
  );
}

function RedownloadDialog({
  media,
  download,
  profiles,
  onStarted,
  onClose,
}: {
  media: Media;
  download: Download;
  profiles: readonly Profile[] | undefined;
  onStarted: (note: string, sentAt: number) => void;
  onClose: () => void;
}) {
  const [profile, setProfile] = useState(download.profile_id ? String(download.profile_id) : "");
  const [replace, setReplace] = useState(true);
  const redownload = useRedownload();
  return (
    <ConfirmDialog
      title="Re-download trailer"
      message={
        <p>
          Download <strong>{media.title}</strong>'s trailer again from{" "}
          {download.source_url || download.youtube_id || "its source"}.
        </p>
      }
      confirmLabel="Re-download"
      busy={redownload.isPending}
      error={redownload.isError ? errorMessage(redownload.error) : null}
      onConfirm={() => {
        const sentAt = Date.now();
        redownload.mutate(
          { id: download.id, body: { profile_id: profile ? Number(profile) : null, replace } },
          {
            onSuccess: () => {
              onStarted(`Re-download of ${download.file_name} requested`, sentAt);
              onClose();
            },
          },
        );
      }}
      onCancel={onClose}
    >
      <SelectField
        label="Profile"
        name="redownload_profile"
        value={profile}
        onChange={setProfile}
        options={profileOptions(profiles)}
      />
      <CheckboxField
        label="Replace the current trailer"
        name="replace"
        checked={replace}
        onChange={setReplace}
        hint="The old file is deleted and its record marked as replaced."
      />
    </ConfirmDialog>
  );
}

function DeleteMediaDialog({ media, onClose }: { media: Media; onClose: () => void }) {
  const [deleteFiles, setDeleteFiles] = useState(false);
  const remove = useDeleteMedia(media.id);
  const navigate = useNavigate();
  return (
    <ConfirmDialog
      title="Delete media"
      message={
        <p>
          Remove <strong>{media.title}</strong> and its download history from Trailarr?
        </p>
      }
      confirmLabel="Delete media"
      danger
      busy={remove.isPending}
      error={remove.isError ? errorMessage(remove.error) : null}
      onConfirm={() =>
        remove.mutate(deleteFiles, { onSuccess: () => navigate("/", { replace: true }) })
      }
      onCancel={onClose}
    >
      <CheckboxField
        label="Also delete the trailer files"
        name="delete_files"
        checked={deleteFiles}
        onChange={setDeleteFiles}
      />
    </ConfirmDialog>
  );
}

/** What this page knows about a download newer than the server's data: when and which. */
interface LocalState {
  busy: boolean;
  at: number;
}

export function MediaPage() {
  const { id } = useParams();
  const mediaId = Number(id);
  // Whether a download runs: the newer of what this page saw (a start, a live message)
  // and the media's status as last read.
  const [local, setLocal] = useState<LocalState | null>(null);
  const [messages, setMessages] = useState<LiveMessage[]>([]);
  const [toDelete, setToDelete] = useState<Download | null>(null);
  const [toRedownload, setToRedownload] = useState<Download | null>(null);
  const [deletingMedia, setDeletingMedia] = useState(false);
  const [editing, setEditing] = useState(false);

  const [pollWhileBusy, setPollWhileBusy] = useState(false);
  const media = useMedia(mediaId, { refetchInterval: pollWhileBusy ? POLL_MS : false });
  const downloads = useMediaDownloads(mediaId);
  const events = useMediaEvents(mediaId);
  const profiles = useProfiles();
  const start = useStartDownload(mediaId);
  const queued = useQueuedFor(mediaId);
  useTitle(media.data?.title ?? "Media");

  const busy =
    queued !== undefined ||
    (local && local.at >= media.dataUpdatedAt ? local.busy : media.data?.status === "downloading");
  if (busy !== pollWhileBusy) setPollWhileBusy(busy);

  const note = (message: LiveMessage) =>
    setMessages((list) => [...list, message].slice(-MAX_MESSAGES));

  useLiveMessages((message) => {
    // The queue's messages reach the page through the cached queue (`queued`).
    if (message.media_id !== mediaId || message.type === "Queue") return;
    note(message);
    if (message.type === "Success" || message.type === "Error") {
      // The app's live invalidation reads the media, its downloads and events again.
      setLocal({ busy: false, at: Date.now() });
    }
  });

  /**
   * A download sent at `sentAt` was accepted (202): follow it until a live message or the
   * media's status ends it. A fast download may have ended (its live message arrived)
   * before the answer did: that end stays.
   */
  function started(text: string, sentAt: number) {
    note({ type: "Info", message: text, media_id: mediaId });
    setLocal((current) =>
      current && !current.busy && current.at >= sentAt ? current : { busy: true, at: Date.now() },
    );
  }

  async function startDownload(profileId: number | null, url: string | null, replace: boolean) {
    const sentAt = Date.now();
    await start.mutateAsync({ profile_id: profileId, url, replace });
    started(url ? `Download requested from ${url}` : "Download requested", sentAt);
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
        <ErrorState error={media.error} onRetry={() => void media.refetch()} />
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
        <div className="button-row">
          <SearchButton mediaId={m.id} title={m.title} disabled={busy} onStarted={started} />
          <button type="button" className="btn" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button type="button" className="btn btn-danger" onClick={() => setDeletingMedia(true)}>
            Delete media
          </button>
        </div>
      </header>
      <Facts media={m} />

      <section className="panel" aria-labelledby="download-heading">
        <h2 id="download-heading">Download</h2>
        <DownloadPanel
          profiles={profiles.data}
          present={downloads.data?.filter((d) => d.file_exists)}
          busy={busy}
          queued={queued}
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
          loading={downloads.isFetching}
          error={downloads.error}
          onRetry={() => void downloads.refetch()}
          onDelete={setToDelete}
          onRedownload={setToRedownload}
        />
      </section>

      <section className="panel" aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        <EventsList
          events={events.data}
          error={events.error}
          onRetry={() => void events.refetch()}
        />
      </section>

      {toDelete && <DeleteDownloadDialog download={toDelete} onClose={() => setToDelete(null)} />}
      {toRedownload && (
        <RedownloadDialog
          media={m}
          download={toRedownload}
          profiles={profiles.data}
          onStarted={started}
          onClose={() => setToRedownload(null)}
        />
      )}
      {deletingMedia && <DeleteMediaDialog media={m} onClose={() => setDeletingMedia(false)} />}
      {editing && <MediaEditDialog media={m} onClose={() => setEditing(false)} />}
    </section>
  );
}
