import { useState, type FormEvent } from "react";
import { ApiError, errorMessage } from "../api/client";
import type { Download, LiveMessage, Profile, QueueItem } from "../api/types";
import { defaultProfile, profileOptions } from "../lib/data";
import { SelectField, TextField } from "./Fields";
import { StageProgress } from "./StageProgress";

interface DownloadPanelProps {
  profiles: readonly Profile[] | undefined;
  /** The media's present trailers: a download from a profile that has one asks first. */
  present?: readonly Download[] | undefined;
  busy: boolean;
  /** The media's download in the queue, with its stage and progress (GET /queue). */
  queued: QueueItem | null | undefined;
  messages: readonly LiveMessage[];
  onStart: (profileId: number | null, url: string | null, replace: boolean) => Promise<void>;
}

/** Start a download (profile, optional source URL) and follow it live. */
export function DownloadPanel({
  profiles,
  present,
  busy,
  queued,
  messages,
  onStart,
}: DownloadPanelProps) {
  const [profile, setProfile] = useState("");
  /** A present trailer from the chosen profile: replace it, or add another? */
  const [asking, setAsking] = useState<Download | null>(null);
  const [url, setUrl] = useState("");
  const [urlError, setUrlError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  function submit(event: FormEvent) {
    event.preventDefault();
    const profileId = profile ? Number(profile) : (defaultProfile(profiles)?.id ?? null);
    const existing = present?.find((d) => d.profile_id === profileId);
    if (existing) {
      setAsking(existing);
      return;
    }
    void send(false);
  }

  async function send(replace: boolean) {
    setAsking(null);
    setError(null);
    setUrlError(undefined);
    setSending(true);
    try {
      await onStart(profile ? Number(profile) : null, url.trim() || null, replace);
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.fieldErrors.url) setUrlError(err.fieldErrors.url);
        else if (err.status === 400 && url.trim()) setUrlError(err.message);
        else if (err.fieldErrors.profile_id) setError(`Profile: ${err.fieldErrors.profile_id}`);
        else setError(err.status === 409 ? `Already downloading: ${err.message}` : err.message);
      } else {
        setError(errorMessage(err));
      }
    } finally {
      setSending(false);
    }
  }

  const last = messages[messages.length - 1];
  // Only an ending (success or error) is a result; the note sent with a request is not.
  const ending = last && (last.type === "Success" || last.type === "Error") ? last : undefined;
  return (
    <div className="download-panel">
      <form className="form form-inline" onSubmit={submit} aria-label="Download a trailer">
        <SelectField
          label="Profile"
          name="profile_id"
          value={profile}
          onChange={setProfile}
          options={profileOptions(profiles)}
        />
        <TextField
          label="Source URL (optional)"
          name="url"
          type="url"
          value={url}
          onChange={setUrl}
          error={urlError}
          placeholder="YouTube URL or id; empty: saved id or search"
          className="field-grow"
        />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || sending}>
            {busy ? "Downloading…" : sending ? "Starting…" : "Download trailer"}
          </button>
        </div>
      </form>
      {asking && (
        <div
          className="confirm-inline"
          role="group"
          aria-label="A trailer from this profile exists"
        >
          <p>
            This media already has a trailer from this profile: <code>{asking.file_name}</code>.
            Replace it (the old file is deleted once the new one is recorded), or add another beside
            it?
          </p>
          <div className="form-actions">
            <button type="button" className="btn btn-primary" onClick={() => void send(true)}>
              Replace it
            </button>
            <button type="button" className="btn" onClick={() => void send(false)}>
              Add another
            </button>
            <button type="button" className="btn" onClick={() => setAsking(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {error && (
        <div className="form-error" role="alert">
          {error}
        </div>
      )}
      {(busy || messages.length > 0) && (
        <div className="live-panel">
          {busy && <StageProgress item={queued} label="Download progress" />}
          {ending && !busy && (
            <p className={`live-result live-${ending.type.toLowerCase()}`} role="status">
              {ending.type === "Success" ? "✔ " : "✖ "}
              {ending.message}
            </p>
          )}
          <ol className="live-log" aria-label="Download messages" aria-live="polite">
            {messages.map((m, i) => (
              <li key={i} className={`live-${m.type.toLowerCase()}`}>
                <span className="live-type">{m.type}</span> {m.message}
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
