import type { MediaStatus } from "../api/types";

const STATUS_LABEL: Record<MediaStatus, string> = {
  missing: "Missing",
  downloading: "Downloading",
  downloaded: "Downloaded",
  monitored: "Monitored",
};

export function StatusBadge({ status }: { status: MediaStatus }) {
  return <span className={`badge badge-${status}`}>{STATUS_LABEL[status] ?? status}</span>;
}

export function PresenceBadge({ present, title }: { present: boolean; title?: string }) {
  return (
    <span className={`badge ${present ? "badge-present" : "badge-absent"}`} title={title}>
      {present ? "Present" : "Absent"}
    </span>
  );
}
