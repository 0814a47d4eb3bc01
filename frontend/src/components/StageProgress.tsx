import type { QueueItem, QueueStage } from "../api/types";
import { formatDuration, formatSize } from "../lib/format";

export const STAGE_LABELS: Record<QueueStage, string> = {
  queued: "Queued",
  searching: "Searching",
  downloading: "Downloading",
  converting: "Converting",
  verifying: "Verifying",
  moving: "Moving into place",
};

/** "Downloading 42% · 1.2 MB/s · 0:12 left": the stage, its share done, speed and ETA. */
export function stageText(item: QueueItem | null | undefined): string {
  if (!item) return "Working…";
  if (item.cancelling) return "Cancelling…";
  const parts = [STAGE_LABELS[item.stage]];
  if (item.progress !== null) parts[0] += ` ${Math.round(item.progress * 100)}%`;
  if (item.stage === "downloading" && item.speed)
    parts.push(`${formatSize(Math.round(item.speed))}/s`);
  if (item.stage === "downloading" && item.eta !== null) {
    parts.push(`${formatDuration(item.eta)} left`);
  }
  return parts.join(" · ");
}

/**
 * A download's progress bar: determinate while its stage reports a share (downloading,
 * converting), moving stripes otherwise; `item` null: a download whose queue entry is not
 * known yet.
 */
export function StageProgress({
  item,
  label,
}: {
  item: QueueItem | null | undefined;
  label: string;
}) {
  const share = item?.progress ?? null;
  const percent = share === null ? null : Math.round(share * 100);
  const text = stageText(item);
  return (
    <div className="progress" data-stage={item?.stage ?? "unknown"}>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={text}
      >
        <div
          className={`progress-bar ${percent === null ? "progress-indeterminate" : ""}`}
          style={{ width: `${percent ?? 100}%` }}
        />
      </div>
      <span className="progress-label">{text}</span>
    </div>
  );
}
