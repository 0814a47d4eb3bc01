import { Link } from "react-router-dom";
import type { Download, Profile } from "../api/types";
import { formatDateTime, formatDeletedReason } from "../lib/format";

/** The profile a download used: a link, "unknown" for id 0, "deleted" when it is gone. */
export function ProfileCell({
  profileId,
  profiles,
  name,
}: {
  profileId: number;
  profiles: readonly Profile[] | undefined;
  name?: string | null;
}) {
  if (!profileId) return <span className="muted">unknown</span>;
  if (!profiles) {
    return name ? <span>{name}</span> : <span className="muted">#{profileId}</span>;
  }
  const profile = profiles.find((p) => p.id === profileId);
  if (!profile) return <span className="muted">deleted</span>;
  return <Link to={`/profiles?edit=${profile.id}`}>{profile.name}</Link>;
}

function sourceLabel(url: string): string {
  try {
    const parsed = new URL(url);
    const v = parsed.searchParams.get("v");
    if (v) return v;
    return parsed.host || url;
  } catch {
    return url;
  }
}

/** Where the trailer came from, as a link. */
export function SourceCell({
  download,
}: {
  download: Pick<Download, "source_url" | "youtube_id">;
}) {
  const url = download.source_url;
  if (!url) {
    return download.youtube_id ? (
      <span>{download.youtube_id}</span>
    ) : (
      <span className="muted">—</span>
    );
  }
  if (!/^https?:\/\//i.test(url)) return <span>{url}</span>;
  return (
    <a href={url} target="_blank" rel="noopener noreferrer" title={url}>
      {sourceLabel(url)}
      <span className="visually-hidden"> (opens in a new tab)</span>
    </a>
  );
}

/** Present, or deleted with its reason (and when). */
export function FileStateCell({
  download,
  timeZone,
}: {
  download: Pick<Download, "file_exists" | "deleted_reason" | "deleted_at">;
  timeZone?: string | undefined;
}) {
  if (download.file_exists) return <span className="badge badge-present">Present</span>;
  const when = download.deleted_at ? formatDateTime(download.deleted_at, { timeZone }) : null;
  return (
    <span className="badge badge-absent" title={when ? `Since ${when}` : undefined}>
      Deleted: {formatDeletedReason(download.deleted_reason)}
    </span>
  );
}
