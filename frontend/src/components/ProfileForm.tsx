import { useState, type FormEvent } from "react";
import { ApiError, errorMessage, type FieldErrors } from "../api/client";
import type { Profile, ProfileCreate } from "../api/types";
import { CheckboxField, FormError, SelectField, TextField, useFocusFirstError } from "./Fields";

const FILE_FORMATS = ["mkv", "mp4", "webm"] as const;
const VIDEO_FORMATS = ["h264", "h265", "vp9", "av1", "copy"] as const;
const AUDIO_FORMATS = ["aac", "opus", "ac3", "copy"] as const;
const SUBTITLE_FORMATS = ["srt", "vtt"] as const;
const RESOLUTIONS = ["2160", "1440", "1080", "720", "480", "360", "240", "144"] as const;

const options = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));

export const FILE_NAME_TOKENS =
  "{title} {year} {resolution} {vcodec} {acodec} {youtube_id} {imdb_id} {tmdb_id} {tvdb_id} {media_type} {profile}";

/** The form's state: text for every input, booleans for the switches. */
export interface ProfileValues {
  name: string;
  enabled: boolean;
  priority: string;
  file_format: string;
  file_name: string;
  folder_enabled: boolean;
  folder_name: string;
  video_format: string;
  video_resolution: string;
  audio_format: string;
  subtitles_enabled: boolean;
  subtitles_format: string;
  subtitles_languages: string;
  embed_metadata: boolean;
  search_query: string;
  min_duration: string;
  max_duration: string;
  include_words: string;
  exclude_words: string;
  always_search: boolean;
  for_movies: boolean;
  for_series: boolean;
  connection_id: string;
  min_year: string;
  max_year: string;
  title_words: string;
  stop_monitoring: boolean;
}

export const NEW_PROFILE: ProfileValues = {
  name: "",
  enabled: true,
  priority: "0",
  file_format: "mkv",
  file_name: "{title} ({year})-trailer",
  folder_enabled: true,
  folder_name: "Trailers",
  video_format: "h264",
  video_resolution: "1080",
  audio_format: "aac",
  subtitles_enabled: false,
  subtitles_format: "srt",
  subtitles_languages: "en",
  embed_metadata: true,
  search_query: "{title} {year} {media_type} trailer",
  min_duration: "30",
  max_duration: "600",
  include_words: "",
  exclude_words: "",
  always_search: false,
  for_movies: true,
  for_series: true,
  connection_id: "",
  min_year: "",
  max_year: "",
  title_words: "",
  stop_monitoring: false,
};

export function valuesFromProfile(p: Profile): ProfileValues {
  const text = (v: unknown, fallback: string) =>
    v === null || v === undefined ? fallback : String(v);
  return {
    name: p.name,
    enabled: p.enabled ?? true,
    priority: text(p.priority, "0"),
    file_format: text(p.file_format, "mkv"),
    file_name: text(p.file_name, NEW_PROFILE.file_name),
    folder_enabled: p.folder_enabled ?? true,
    folder_name: text(p.folder_name, ""),
    video_format: text(p.video_format, "h264"),
    video_resolution: text(p.video_resolution, "1080"),
    audio_format: text(p.audio_format, "aac"),
    subtitles_enabled: p.subtitles_enabled ?? false,
    subtitles_format: text(p.subtitles_format, "srt"),
    subtitles_languages: text(p.subtitles_languages, ""),
    embed_metadata: p.embed_metadata ?? true,
    search_query: text(p.search_query, ""),
    min_duration: text(p.min_duration, "0"),
    max_duration: text(p.max_duration, "600"),
    include_words: text(p.include_words, ""),
    exclude_words: text(p.exclude_words, ""),
    always_search: p.always_search ?? false,
    for_movies: p.for_movies ?? true,
    for_series: p.for_series ?? true,
    connection_id: text(p.connection_id, ""),
    min_year: text(p.min_year, ""),
    max_year: text(p.max_year, ""),
    title_words: text(p.title_words, ""),
    stop_monitoring: p.stop_monitoring ?? false,
  };
}

const NUMBER_FIELDS = ["priority", "video_resolution", "min_duration", "max_duration"] as const;
/** Numbers that may be left blank: blank sends null (no filter). */
const OPTIONAL_NUMBER_FIELDS = ["connection_id", "min_year", "max_year"] as const;

/**
 * The request body. Numbers that do not parse are sent as they were typed, so the
 * server's validation names the field.
 */
export function bodyFromValues(values: ProfileValues): ProfileCreate {
  const body: Record<string, unknown> = { ...values };
  for (const key of NUMBER_FIELDS) {
    const raw = values[key].trim();
    body[key] = raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  for (const key of OPTIONAL_NUMBER_FIELDS) {
    const raw = values[key].trim();
    body[key] = raw === "" ? null : Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return body as unknown as ProfileCreate;
}

interface ProfileFormProps {
  initial: ProfileValues;
  /** The Radarr/Sonarr connections a profile can be limited to. */
  connections?: readonly { id: number; name: string }[];
  submitLabel: string;
  onSave: (body: ProfileCreate) => Promise<void>;
  onCancel?: () => void;
}

/** Create or edit a trailer profile; the server's 422 messages show at their fields. */
export function ProfileForm({
  initial,
  submitLabel,
  onSave,
  onCancel,
  connections = [],
}: ProfileFormProps) {
  const [values, setValues] = useState<ProfileValues>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const formRef = useFocusFirstError(errors);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const set =
    <K extends keyof ProfileValues>(key: K) =>
    (value: ProfileValues[K]) =>
      setValues((v) => ({ ...v, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    if (!values.name.trim()) {
      setErrors({ name: "Enter a name" });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await onSave(bodyFromValues({ ...values, name: values.name.trim() }));
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.status === 409) {
          setErrors({ name: err.message });
        } else {
          setErrors(err.fieldErrors);
          if (Object.keys(err.fieldErrors).length === 0) setFormError(err.message);
        }
      } else {
        setFormError(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  }

  const text = (key: keyof ProfileValues & string, label: string, extra: object = {}) => (
    <TextField
      label={label}
      name={key}
      value={values[key] as string}
      onChange={set(key) as (v: string) => void}
      error={errors[key]}
      {...extra}
    />
  );
  const select = (key: keyof ProfileValues & string, label: string, list: readonly string[]) => (
    <SelectField
      label={label}
      name={key}
      value={values[key] as string}
      onChange={set(key) as (v: string) => void}
      options={options(list)}
      error={errors[key]}
    />
  );
  const check = (key: keyof ProfileValues & string, label: string, hint?: string) => (
    <CheckboxField
      label={label}
      name={key}
      checked={values[key] as boolean}
      onChange={set(key) as (v: boolean) => void}
      error={errors[key]}
      hint={hint}
    />
  );

  const resolutions = RESOLUTIONS.includes(values.video_resolution as (typeof RESOLUTIONS)[number])
    ? RESOLUTIONS
    : [values.video_resolution, ...RESOLUTIONS];

  return (
    <form ref={formRef} className="form" onSubmit={submit} noValidate aria-label={submitLabel}>
      <FormError message={formError} />
      <fieldset>
        <legend>General</legend>
        <div className="form-row">
          {text("name", "Name", { required: true, autoFocus: true })}
          {text("priority", "Priority", { inputMode: "numeric", hint: "Higher is tried first." })}
        </div>
        <div className="form-row">
          {check("enabled", "Enabled")}
          {check("always_search", "Always search", "Ignore the saved trailer id and search.")}
        </div>
      </fieldset>
      <fieldset>
        <legend>File</legend>
        <div className="form-row">
          {select("file_format", "Container", FILE_FORMATS)}
          {text("file_name", "File name", { hint: `Tokens: ${FILE_NAME_TOKENS}` })}
        </div>
        <div className="form-row">
          {check("folder_enabled", "Save in a sub-folder")}
          {text("folder_name", "Sub-folder name")}
        </div>
        {check("embed_metadata", "Embed metadata")}
      </fieldset>
      <fieldset>
        <legend>Video and audio</legend>
        <div className="form-row">
          {select("video_format", "Video codec", VIDEO_FORMATS)}
          {select("video_resolution", "Max resolution (height)", resolutions)}
          {select("audio_format", "Audio codec", AUDIO_FORMATS)}
        </div>
      </fieldset>
      <fieldset>
        <legend>Subtitles</legend>
        <div className="form-row">
          {check("subtitles_enabled", "Download subtitles")}
          {select("subtitles_format", "Subtitle format", SUBTITLE_FORMATS)}
          {text("subtitles_languages", "Languages", { hint: "Comma separated, e.g. en,fr" })}
        </div>
      </fieldset>
      <fieldset>
        <legend>Search</legend>
        {text("search_query", "Search query")}
        <div className="form-row">
          {text("min_duration", "Min duration (s)", { inputMode: "numeric" })}
          {text("max_duration", "Max duration (s)", { inputMode: "numeric" })}
        </div>
        <div className="form-row">
          {text("include_words", "Include words", { hint: "Comma separated" })}
          {text("exclude_words", "Exclude words", { hint: "Comma separated" })}
        </div>
      </fieldset>
      <fieldset>
        <legend>Downloaded by itself for</legend>
        <p className="field-hint">
          Monitored media get a trailer from every enabled profile that applies to them.
        </p>
        <div className="form-row">
          {check("for_movies", "Movies")}
          {check("for_series", "Series")}
          <SelectField
            label="Connection"
            name="connection_id"
            value={values.connection_id}
            onChange={set("connection_id")}
            options={[
              { value: "", label: "Any (and media added by hand)" },
              ...connections.map((c) => ({ value: String(c.id), label: c.name })),
              ...(values.connection_id &&
              !connections.some((c) => String(c.id) === values.connection_id)
                ? [{ value: values.connection_id, label: `Connection ${values.connection_id}` }]
                : []),
            ]}
            error={errors.connection_id}
          />
        </div>
        <div className="form-row">
          {text("min_year", "From year", { inputMode: "numeric", hint: "Blank: any" })}
          {text("max_year", "To year", { inputMode: "numeric", hint: "Blank: any" })}
          {text("title_words", "Title words", {
            hint: "Comma separated; only titles holding one of them. Blank: any",
          })}
        </div>
        {check(
          "stop_monitoring",
          "Stop monitoring after download",
          "The media is no longer monitored once this profile got its trailer.",
        )}
      </fieldset>
      <div className="form-actions">
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
