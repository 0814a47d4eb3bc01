import { useState, type FormEvent } from "react";
import { ApiError, errorMessage, type FieldErrors } from "../../api/client";
import type { Media } from "../../api/types";
import { useUpdateMedia, type MediaUpdate } from "../../hooks/queries/media";
import { trailerFields, trailerProblem, trailerText } from "../../lib/trailer";
import { CheckboxField, FormError, TextField, useFocusFirstError } from "../Fields";
import { Modal } from "../Modal";

interface Values {
  title: string;
  year: string;
  folder_path: string;
  imdb_id: string;
  tmdb_id: string;
  tvdb_id: string;
  trailer: string;
  monitor: boolean;
}

function valuesOf(media: Media): Values {
  return {
    title: media.title,
    year: String(media.year),
    folder_path: media.folder_path,
    imdb_id: media.imdb_id ?? "",
    tmdb_id: media.tmdb_id ?? "",
    tvdb_id: media.tvdb_id ?? "",
    trailer: trailerText(media),
    monitor: media.monitor,
  };
}

const ID_FIELDS = ["imdb_id", "tmdb_id", "tvdb_id"] as const;

/** The PATCH body: only what changed (a blank id clears it). */
export function changesOf(before: Values, after: Values): MediaUpdate {
  const body: MediaUpdate = {};
  if (after.title.trim() !== before.title) body.title = after.title.trim();
  if (after.year.trim() !== before.year) body.year = Number(after.year.trim());
  if (after.folder_path.trim() !== before.folder_path) body.folder_path = after.folder_path.trim();
  for (const key of ID_FIELDS) {
    if (after[key].trim() !== before[key]) body[key] = after[key].trim() || null;
  }
  if (after.trailer.trim() !== before.trailer) Object.assign(body, trailerFields(after.trailer));
  if (after.monitor !== before.monitor) body.monitor = after.monitor;
  return body;
}

/** The server's field names, as the fields of this form. */
function formErrors(fields: FieldErrors): FieldErrors {
  const out: FieldErrors = { ...fields };
  const trailer = fields.trailer_url ?? fields.youtube_trailer_id;
  if (trailer) out.trailer = trailer;
  return out;
}

interface Props {
  media: Media;
  onClose: () => void;
  onSaved?: (media: Media) => void;
}

/** Edit a media item (PATCH /api/v1/media/{id}); the server's 422 shows at its field. */
export function MediaEditDialog({ media, onClose, onSaved }: Props) {
  const [initial] = useState(() => valuesOf(media));
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const formRef = useFocusFirstError(errors);
  const [formError, setFormError] = useState<string | null>(null);
  const update = useUpdateMedia(media.id);

  const set =
    <K extends keyof Values>(key: K) =>
    (value: Values[K]) =>
      setValues((v) => ({ ...v, [key]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!values.title.trim()) local.title = "Enter a title";
    if (!/^\d{4}$/.test(values.year.trim())) local.year = "Enter a four-digit year";
    if (!values.folder_path.trim()) local.folder_path = "Enter the folder path";
    const trailer = trailerProblem(values.trailer);
    if (trailer) local.trailer = trailer;
    setErrors(local);
    setFormError(null);
    if (Object.keys(local).length > 0) return;
    const body = changesOf(initial, values);
    if (Object.keys(body).length === 0) {
      onClose();
      return;
    }
    update.mutate(body, {
      onSuccess: (saved) => {
        onSaved?.(saved);
        onClose();
      },
      onError: (err) => {
        if (err instanceof ApiError) {
          setErrors(formErrors(err.fieldErrors));
          if (err.status !== 422 || Object.keys(err.fieldErrors).length === 0) {
            setFormError(err.message);
          }
        } else {
          setFormError(errorMessage(err));
        }
      },
    });
  }

  return (
    <Modal title={`Edit ${media.title}`} onClose={onClose}>
      <form ref={formRef} className="form" onSubmit={submit} noValidate aria-label="Edit media">
        <FormError message={formError} />
        <TextField
          label="Title"
          name="title"
          value={values.title}
          onChange={set("title")}
          error={errors.title}
          required
        />
        <div className="form-row">
          <TextField
            label="Year"
            name="year"
            value={values.year}
            onChange={set("year")}
            error={errors.year}
            inputMode="numeric"
            required
          />
          <CheckboxField
            label="Monitored"
            name="monitor"
            checked={values.monitor}
            onChange={set("monitor")}
            error={errors.monitor}
            className="field-align-end"
          />
        </div>
        <TextField
          label="Folder path"
          name="folder_path"
          value={values.folder_path}
          onChange={set("folder_path")}
          error={errors.folder_path}
          hint="Inside a library root; the trailer is saved here."
          required
        />
        <div className="form-row">
          <TextField
            label="IMDb id"
            name="imdb_id"
            value={values.imdb_id}
            onChange={set("imdb_id")}
            error={errors.imdb_id}
          />
          <TextField
            label="TMDB id"
            name="tmdb_id"
            value={values.tmdb_id}
            onChange={set("tmdb_id")}
            error={errors.tmdb_id}
          />
          <TextField
            label="TVDB id"
            name="tvdb_id"
            value={values.tvdb_id}
            onChange={set("tvdb_id")}
            error={errors.tvdb_id}
          />
        </div>
        <TextField
          label="Trailer"
          name="trailer"
          value={values.trailer}
          onChange={set("trailer")}
          error={errors.trailer}
          placeholder="YouTube id or link, or a video URL"
          hint="A YouTube id or link, or any http(s) video address yt-dlp supports. Blank: search."
        />
        <div className="form-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
