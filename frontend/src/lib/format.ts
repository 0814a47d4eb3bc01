// Formatting helpers shared by the pages. Pure functions, so they are easy to test.

const SIZE_UNITS = ["B", "KB", "MB", "GB", "TB", "PB"] as const;

/** A byte count for people: 1024-based, one decimal from KB up ("1.5 MB"). */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  // 1023.96 KB would round to "1024.0 KB": show the next unit instead.
  if (Number(value.toFixed(1)) >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${SIZE_UNITS[unit]}`;
}

/** Seconds as m:ss, or h:mm:ss from an hour up. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return "—";
  }
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  if (h > 0) return `${h}:${String(m).padStart(2, "0")}:${ss}`;
  return `${m}:${ss}`;
}

export interface DateOptions {
  /** IANA time zone; the viewer's own when left out. */
  timeZone?: string;
  /** BCP 47 locale; the viewer's own when left out. */
  locale?: string;
}

/** An ISO timestamp as a date and time in the viewer's (or the given) time zone. */
export function formatDateTime(iso: string | null | undefined, options: DateOptions = {}): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(options.locale, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: options.timeZone,
  }).format(date);
}

/** An ISO timestamp as a date only, in the viewer's (or the given) time zone. */
export function formatDate(iso: string | null | undefined, options: DateOptions = {}): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return new Intl.DateTimeFormat(options.locale, {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: options.timeZone,
  }).format(date);
}

/** Audio channel counts as people say them: "2" → "Stereo", "6" → "5.1". */
export function formatChannels(channels: string | number | null | undefined): string {
  if (channels === null || channels === undefined || channels === "") return "—";
  const n = Number(channels);
  if (!Number.isFinite(n)) return String(channels);
  switch (n) {
    case 0:
      return "—";
    case 1:
      return "Mono";
    case 2:
      return "Stereo";
    case 6:
      return "5.1";
    case 8:
      return "7.1";
    default:
      return `${n} ch`;
  }
}

/** Subtitle languages as stored ("eng,fre", "unk" or empty) for display. */
export function formatSubtitles(subtitles: string | null | undefined): string {
  if (!subtitles || subtitles === "unk") return "none";
  return subtitles
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .join(", ");
}

/** A stored resolution ("1080p", "1920x1080" or "") for display. */
export function formatResolution(resolution: string | null | undefined): string {
  if (!resolution) return "—";
  return resolution;
}

const DELETED_REASONS: Record<string, string> = {
  missing: "file missing",
  deleted_by_user: "deleted by user",
  replaced: "replaced",
};

/** Why a download's file is gone, in words. */
export function formatDeletedReason(reason: string | null | undefined): string {
  if (!reason) return "deleted";
  return DELETED_REASONS[reason] ?? reason.replaceAll("_", " ");
}

/** ffprobe's container names ("matroska,webm", "mov,mp4,m4a,...") as the file type. */
export function formatContainer(format: string | null | undefined): string {
  if (!format) return "unknown";
  const names = format.split(",").map((n) => n.trim());
  if (names.includes("matroska")) return "mkv";
  if (names.includes("mp4")) return "mp4";
  return names[0] || "unknown";
}
