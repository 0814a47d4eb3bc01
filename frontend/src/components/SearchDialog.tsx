import { useState } from "react";
import { ApiError, errorMessage } from "../api/client";
import type { SearchCandidate } from "../api/types";
import { useStartDownload } from "../hooks/queries/media";
import { useProfiles } from "../hooks/queries/profiles";
import { useTrailerSearch } from "../hooks/queries/search";
import { profileOptions } from "../lib/data";
import { formatDuration, formatResolution } from "../lib/format";
import { CheckboxField, SelectField } from "./Fields";
import { Modal } from "./Modal";
import { Empty, ErrorState, Loading } from "./States";

/** Told when a download was accepted: a note for the page's log, and when it was sent. */
type OnStarted = (note: string, sentAt: number) => void;

interface SearchDialogProps {
  mediaId: number;
  /** The media's title, for the dialog's heading. */
  title: string;
  onClose: () => void;
  onStarted?: OnStarted;
}

function VerdictCell({ candidate }: { candidate: SearchCandidate }) {
  if (candidate.passes) {
    return (
      <span className="badge badge-pass" title="The profile's filters accept it">
        Passes
      </span>
    );
  }
  return (
    <>
      <span className="badge badge-fail" title={candidate.reasons.join("; ")}>
        Fails
      </span>
      <ul className="search-reasons" aria-label="Why the profile's filters reject it">
        {candidate.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
    </>
  );
}

/**
 * Search YouTube for a media item's trailer and download the video the user picks. Each
 * result says whether the profile's filters accept it; one that fails can still be picked.
 */
export function SearchDialog({ mediaId, title, onClose, onStarted }: SearchDialogProps) {
  const [profile, setProfile] = useState("");
  const [replace, setReplace] = useState(false);
  const profiles = useProfiles();
  const search = useTrailerSearch(mediaId, profile ? { profile_id: Number(profile) } : {});
  const start = useStartDownload(mediaId);

  function download(candidate: SearchCandidate) {
    const sentAt = Date.now();
    start.mutate(
      // The profile the results were judged by (the server's default when none was chosen).
      { profile_id: search.data?.profile_id ?? null, url: candidate.url, replace },
      {
        onSuccess: () => {
          onStarted?.(`Download requested from ${candidate.url}`, sentAt);
          onClose();
        },
      },
    );
  }

  const startError =
    start.error instanceof ApiError && start.error.status === 409
      ? `Already downloading: ${start.error.message}`
      : start.error && errorMessage(start.error);
  const candidates = search.data?.candidates;
  return (
    <Modal
      title={`Search trailers: ${title}`}
      onClose={onClose}
      wide
      footer={
        <button
          type="button"
          className="btn"
          onClick={() => void search.refetch()}
          disabled={search.isFetching}
        >
          {search.isFetching ? "Searching…" : "Search again"}
        </button>
      }
    >
      <div className="form form-inline">
        <SelectField
          label="Profile"
          name="search_profile"
          value={profile}
          onChange={setProfile}
          options={profileOptions(profiles.data)}
          hint="Its search query and filters"
        />
        <CheckboxField
          label="Replace the present trailer from this profile"
          name="search_replace"
          checked={replace}
          onChange={setReplace}
          hint="Otherwise the new trailer is added beside it."
        />
      </div>
      {search.data && (
        <p className="search-query">
          Query: <code>{search.data.query}</code>
        </p>
      )}
      {startError && (
        <div className="form-error" role="alert">
          {startError}
        </div>
      )}
      {search.error ? (
        <ErrorState error={search.error} onRetry={() => void search.refetch()} />
      ) : !candidates ? (
        <Loading label="Searching YouTube" />
      ) : candidates.length === 0 ? (
        <Empty>YouTube found no videos for this query.</Empty>
      ) : (
        <div className="table-wrap" aria-busy={search.isFetching || undefined}>
          <table className="table search-table">
            <caption className="visually-hidden">
              Videos found, those the profile accepts first
            </caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Preview</span>
                </th>
                <th scope="col">Title</th>
                <th scope="col">Channel</th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col">Resolution</th>
                <th scope="col">Filters</th>
                <th scope="col" className="cell-actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {candidates.map((c) => (
                <tr
                  key={c.video_id}
                  data-video-id={c.video_id}
                  className={c.passes ? "" : "row-failing"}
                >
                  <td className="cell-thumb">
                    {c.thumbnail && (
                      <img
                        src={c.thumbnail}
                        alt=""
                        width={96}
                        height={54}
                        loading="lazy"
                        referrerPolicy="no-referrer"
                      />
                    )}
                  </td>
                  <td className="cell-title">
                    <a href={c.url} target="_blank" rel="noreferrer">
                      {c.title || c.video_id}
                    </a>
                  </td>
                  <td>{c.channel || "—"}</td>
                  <td className="num">{formatDuration(c.duration)}</td>
                  <td>{formatResolution(c.resolution)}</td>
                  <td className="cell-verdict">
                    <VerdictCell candidate={c} />
                  </td>
                  <td className="cell-actions">
                    <button
                      type="button"
                      className={`btn btn-small ${c.passes ? "btn-primary" : ""}`}
                      onClick={() => download(c)}
                      disabled={start.isPending}
                    >
                      {start.isPending && start.variables?.url === c.url ? "Starting…" : "Download"}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Modal>
  );
}

interface SearchButtonProps {
  mediaId: number;
  title: string;
  /** While a download runs, another cannot start: the button waits. */
  disabled?: boolean;
  onStarted?: OnStarted;
}

/** A button that opens the trailer search for a media item. */
export function SearchButton({ mediaId, title, disabled, onStarted }: SearchButtonProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn" onClick={() => setOpen(true)} disabled={disabled}>
        Search trailers
      </button>
      {open && (
        <SearchDialog
          mediaId={mediaId}
          title={title}
          onClose={() => setOpen(false)}
          onStarted={onStarted}
        />
      )}
    </>
  );
}
