import type { Download, Profile } from "../api/types";
import {
  formatChannels,
  formatDateTime,
  formatDuration,
  formatResolution,
  formatSize,
  formatSubtitles,
} from "../lib/format";
import { FileStateCell, ProfileCell, SourceCell } from "./DownloadCells";
import { Empty, ErrorState, Loading } from "./States";

interface DownloadsTableProps {
  downloads: readonly Download[] | undefined;
  profiles: readonly Profile[] | undefined;
  loading?: boolean;
  error?: unknown;
  onRetry?: () => void;
  onDelete?: (download: Download) => void;
  onRedownload?: (download: Download) => void;
  /** IANA time zone for the dates; the viewer's own by default. */
  timeZone?: string;
}

/** Every download of one media, as given (the API sends them newest first). */
export function DownloadsTable({
  downloads,
  profiles,
  loading,
  error,
  onRetry,
  onDelete,
  onRedownload,
  timeZone,
}: DownloadsTableProps) {
  if (error) return <ErrorState error={error} onRetry={onRetry} />;
  if (!downloads) return <Loading label="Loading downloads" />;
  if (downloads.length === 0) {
    return <Empty>No trailer has been downloaded for this item yet.</Empty>;
  }
  const actions = Boolean(onDelete || onRedownload);
  return (
    <div className="table-wrap" aria-busy={loading || undefined}>
      <table className="table downloads-table">
        <caption className="visually-hidden">Downloads, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Downloaded</th>
            <th scope="col">File and source</th>
            <th scope="col">Resolution</th>
            <th scope="col">Video</th>
            <th scope="col">Audio</th>
            <th scope="col">Channels</th>
            <th scope="col">Subtitles</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Profile</th>
            <th scope="col">State</th>
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {downloads.map((d) => (
            <tr key={d.id} data-download-id={d.id} className={d.file_exists ? "" : "row-deleted"}>
              <td data-col="added_at">
                <time dateTime={d.added_at}>{formatDateTime(d.added_at, { timeZone })}</time>
              </td>
              <td className="cell-file">
                <span data-col="file_name" title={d.path}>
                  {d.file_name}
                </span>
                <span className="cell-sub" data-col="source">
                  <SourceCell download={d} />
                </span>
              </td>
              <td data-col="resolution">{formatResolution(d.resolution)}</td>
              <td data-col="video_format">{d.video_format || "—"}</td>
              <td data-col="audio_format">{d.audio_format || "—"}</td>
              <td data-col="audio_channels">{formatChannels(d.audio_channels)}</td>
              <td data-col="subtitles">{formatSubtitles(d.subtitles)}</td>
              <td data-col="duration" className="num">
                {formatDuration(d.duration)}
              </td>
              <td data-col="size" className="num" title={`${d.size} bytes`}>
                {formatSize(d.size)}
              </td>
              <td data-col="profile">
                <ProfileCell profileId={d.profile_id} profiles={profiles} />
              </td>
              <td data-col="state">
                <FileStateCell download={d} timeZone={timeZone} />
              </td>
              {actions && (
                <td className="cell-actions">
                  <div className="actions">
                    {onRedownload && (
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => onRedownload(d)}
                        aria-label={`Re-download ${d.file_name}`}
                      >
                        Re-download
                      </button>
                    )}
                    {onDelete && (
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        onClick={() => onDelete(d)}
                        aria-label={`${d.file_exists ? "Delete" : "Remove record of"} ${d.file_name}`}
                      >
                        {d.file_exists ? "Delete" : "Remove"}
                      </button>
                    )}
                  </div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
