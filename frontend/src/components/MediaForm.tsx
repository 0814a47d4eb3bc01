import { useState, type FormEvent } from "react";
import { ApiError, errorMessage, type FieldErrors } from "../api/client";
import type { MediaCreate } from "../api/types";
import { FormError, SelectField, TextField, useFocusFirstError } from "./Fields";

interface MediaFormProps {
  onSave: (media: MediaCreate) => Promise<void>;
  onCancel?: () => void;
}

const TYPE_OPTIONS = [
  { value: "movie", label: "Movie" },
  { value: "series", label: "Series" },
] as const;

/** Add a media item by hand; the server's validation messages show at their fields. */
export function MediaForm({ onSave, onCancel }: MediaFormProps) {
  const [title, setTitle] = useState("");
  const [year, setYear] = useState("");
  const [kind, setKind] = useState("movie");
  const [folder, setFolder] = useState("");
  const [imdb, setImdb] = useState("");
  const [youtube, setYoutube] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const formRef = useFocusFirstError(errors);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!title.trim()) local.title = "Enter a title";
    if (!/^\d{4}$/.test(year.trim())) local.year = "Enter a four-digit year";
    if (!folder.trim()) local.folder_path = "Enter the folder path";
    setErrors(local);
    setFormError(null);
    if (Object.keys(local).length > 0) return;
    const body: MediaCreate = {
      title: title.trim(),
      year: Number(year),
      is_movie: kind === "movie",
      folder_path: folder.trim(),
      monitor: false,
    };
    if (imdb.trim()) body.imdb_id = imdb.trim();
    if (youtube.trim()) body.youtube_trailer_id = youtube.trim();
    setBusy(true);
    try {
      await onSave(body);
    } catch (err) {
      if (err instanceof ApiError) {
        setErrors(err.fieldErrors);
        if (Object.keys(err.fieldErrors).length === 0 || err.status !== 422) {
          setFormError(err.message);
        }
      } else {
        setFormError(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} className="form" onSubmit={submit} noValidate aria-label="Add media">
      <FormError message={formError} />
      <TextField
        label="Title"
        name="title"
        value={title}
        onChange={setTitle}
        error={errors.title}
        required
        autoFocus
      />
      <div className="form-row">
        <TextField
          label="Year"
          name="year"
          value={year}
          onChange={setYear}
          error={errors.year}
          inputMode="numeric"
          required
        />
        <SelectField
          label="Type"
          name="is_movie"
          value={kind}
          onChange={setKind}
          options={TYPE_OPTIONS}
          error={errors.is_movie}
        />
      </div>
      <TextField
        label="Folder path"
        name="folder_path"
        value={folder}
        onChange={setFolder}
        error={errors.folder_path}
        placeholder="/media/movies/Title (Year)"
        hint="The folder where the trailer is saved."
        required
      />
      <div className="form-row">
        <TextField
          label="IMDb id (optional)"
          name="imdb_id"
          value={imdb}
          onChange={setImdb}
          error={errors.imdb_id}
        />
        <TextField
          label="YouTube trailer id (optional)"
          name="youtube_trailer_id"
          value={youtube}
          onChange={setYoutube}
          error={errors.youtube_trailer_id}
        />
      </div>
      <div className="form-actions">
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Adding…" : "Add media"}
        </button>
      </div>
    </form>
  );
}
