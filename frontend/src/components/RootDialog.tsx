import { useState, type FormEvent } from "react";
import { ApiError, errorMessage, type FieldErrors } from "../api/client";
import { useAddRoot } from "../hooks/queries/roots";
import { CheckboxField, FormError, SelectField, TextField } from "./Fields";
import { Modal } from "./Modal";

const HOLDS = [
  { value: "movies", label: "Movies" },
  { value: "series", label: "Series" },
] as const;

/** Add a local library root: an existing folder of movie or series folders. */
export function RootDialog({ onClose }: { onClose: () => void }) {
  const [path, setPath] = useState("");
  const [holds, setHolds] = useState<string>("movies");
  const [scan, setScan] = useState(true);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const add = useAddRoot();

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const folder = path.trim();
    if (!folder.startsWith("/")) {
      setErrors({ path: "Enter an absolute folder, e.g. /mnt/media/movies" });
      return;
    }
    setErrors({});
    add.mutate(
      { path: folder, is_movie: holds === "movies", scan },
      {
        onSuccess: onClose,
        onError: (err) => {
          if (err instanceof ApiError && err.status === 422 && err.fieldErrors.path) {
            setErrors(err.fieldErrors);
          } else {
            setFormError(errorMessage(err));
          }
        },
      },
    );
  }

  return (
    <Modal
      title="Add library root"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="root-form"
            className="btn btn-primary"
            disabled={add.isPending}
          >
            {add.isPending ? "Adding…" : "Add root"}
          </button>
        </>
      }
    >
      <form id="root-form" className="form" onSubmit={submit} noValidate>
        <FormError message={formError} />
        <TextField
          label="Folder"
          name="path"
          value={path}
          onChange={setPath}
          error={errors.path}
          placeholder="/mnt/media/movies"
          hint="An existing folder on this server that holds one folder per movie or series."
          autoComplete="off"
          required
        />
        <SelectField
          label="Holds"
          name="is_movie"
          value={holds}
          onChange={setHolds}
          error={errors.is_movie}
          options={HOLDS}
        />
        <CheckboxField
          label="Scan it into the library"
          name="scan"
          checked={scan}
          onChange={setScan}
          hint='Folders named like "Title (Year)" become media, on every sync.'
        />
      </form>
    </Modal>
  );
}
