import { TextField } from "./Fields";

/** One row of the path mappings being edited; `key` keeps React's rows apart. */
export interface MappingRow {
  key: number;
  path_from: string;
  path_to: string;
}

let nextRowKey = 1;

export function mappingRow(path_from = "", path_to = ""): MappingRow {
  return { key: nextRowKey++, path_from, path_to };
}

/** The rows with something typed, trimmed: what a save sends. */
export function filledMappings(rows: readonly MappingRow[]) {
  return rows
    .map((m) => ({ path_from: m.path_from.trim(), path_to: m.path_to.trim() }))
    .filter((m) => m.path_from || m.path_to);
}

/** Whether a row has only one of its two folders. */
export function hasHalfMapping(rows: readonly MappingRow[]): boolean {
  return filledMappings(rows).some((m) => !m.path_from || !m.path_to);
}

interface Props {
  rows: readonly MappingRow[];
  onChange: (rows: MappingRow[]) => void;
  /** Who sees the folder on the left: "Radarr", "Jellyfin"... */
  app: string;
  error?: string | undefined;
  fromPlaceholder?: string;
  toPlaceholder?: string;
}

/** Path mappings: a folder as another app sees it, and the same folder on this server. */
export function PathMappingsField({
  rows,
  onChange,
  app,
  error,
  fromPlaceholder = "/movies",
  toPlaceholder = "/mnt/media/movies",
}: Props) {
  function setRow(key: number, field: "path_from" | "path_to", value: string) {
    onChange(rows.map((m) => (m.key === key ? { ...m, [field]: value } : m)));
  }
  return (
    <fieldset className="field">
      <legend>Path mappings</legend>
      <span className="field-hint">
        When {app} sees the media under another folder than this server (Docker, another machine),
        map its folder to the one here.
      </span>
      {rows.map((m, index) => (
        <div className="form-row" key={m.key} data-mapping-row>
          <TextField
            label={`${app} folder ${index + 1}`}
            name={`path_from_${index}`}
            value={m.path_from}
            onChange={(v) => setRow(m.key, "path_from", v)}
            placeholder={fromPlaceholder}
          />
          <TextField
            label={`Folder here ${index + 1}`}
            name={`path_to_${index}`}
            value={m.path_to}
            onChange={(v) => setRow(m.key, "path_to", v)}
            placeholder={toPlaceholder}
          />
          <div className="field field-button">
            <button
              type="button"
              className="btn btn-small"
              aria-label={`Remove path mapping ${index + 1}`}
              onClick={() => onChange(rows.filter((x) => x.key !== m.key))}
            >
              Remove
            </button>
          </div>
        </div>
      ))}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
      <div>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => onChange([...rows, mappingRow()])}
        >
          Add path mapping
        </button>
      </div>
    </fieldset>
  );
}
