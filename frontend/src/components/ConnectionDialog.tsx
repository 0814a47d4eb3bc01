import { useId, useState, type FormEvent } from "react";
import type { FieldErrors } from "../api/client";
import {
  useSaveConnection,
  useTestConnection,
  type ArrType,
  type Connection,
  type ConnectionCreate,
  type ConnectionUpdate,
  type MonitorMode,
} from "../hooks/queries/connections";
import { CheckResult } from "./CheckResult";
import { FormError, SelectField, TextField } from "./Fields";
import { saveFailed, TestSaveFooter } from "./DialogParts";
import { Modal } from "./Modal";
import {
  PathMappingsField,
  filledMappings,
  hasHalfMapping,
  mappingRow,
  type MappingRow,
} from "./PathMappingsField";

export const ARR_TYPES: readonly { value: ArrType; label: string; port: number }[] = [
  { value: "radarr", label: "Radarr", port: 7878 },
  { value: "sonarr", label: "Sonarr", port: 8989 },
];

/** Each monitor mode with what it does to the media a sync brings in. */
export const MONITOR_MODES: readonly { value: MonitorMode; label: string; help: string }[] = [
  {
    value: "none",
    label: "None",
    help: "Add the media unmonitored; download trailers only when you ask.",
  },
  {
    value: "missing",
    label: "Missing",
    help: "Monitor every media that has no trailer yet.",
  },
  {
    value: "new",
    label: "New",
    help: "Monitor only media added to the app after this connection was made.",
  },
  {
    value: "sync",
    label: "Sync",
    help: "Follow the app: monitored there means monitored here, on every sync.",
  },
];

export function arrLabel(type: ArrType): string {
  return ARR_TYPES.find((t) => t.value === type)?.label ?? type;
}

interface Values {
  name: string;
  arr_type: ArrType;
  url: string;
  api_key: string;
  monitor: MonitorMode;
  mappings: MappingRow[];
}

function initialValues(connection: Connection | undefined): Values {
  if (!connection) {
    return { name: "", arr_type: "radarr", url: "", api_key: "", monitor: "new", mappings: [] };
  }
  return {
    name: connection.name,
    arr_type: connection.arr_type,
    url: connection.url,
    // The saved key is only shown masked; a blank field keeps it.
    api_key: "",
    monitor: connection.monitor ?? "new",
    mappings: (connection.path_mappings ?? []).map((m) => mappingRow(m.path_from, m.path_to)),
  };
}

interface Props {
  /** The connection to edit; none to add one. */
  connection?: Connection;
  onClose: () => void;
  onSaved?: (saved: Connection) => void;
}

/** Add or edit a Radarr/Sonarr connection: test it, then save it (the server tests it too). */
export function ConnectionDialog({ connection, onClose, onSaved }: Props) {
  const editing = connection !== undefined;
  const [values, setValues] = useState<Values>(() => initialValues(connection));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const save = useSaveConnection();
  const test = useTestConnection(connection?.id);
  const monitorName = useId();

  function set<K extends keyof Values>(key: K, value: Values[K]) {
    setValues((v) => ({ ...v, [key]: value }));
    test.reset();
  }

  const mappings = filledMappings(values.mappings);

  /** Checks the server would make anyway, said before a round trip. */
  function localErrors(forTest: boolean): FieldErrors {
    const found: FieldErrors = {};
    if (!forTest && !values.name.trim()) found.name = "Enter a name";
    if (!/^https?:\/\/\S+$/i.test(values.url.trim())) {
      found.url = "Enter the app's address, e.g. http://localhost:7878";
    }
    if (!values.api_key.trim()) {
      if (!editing) found.api_key = "Enter the app's API key";
      // The saved key never comes back to the browser, so a test needs it typed again.
      else if (forTest) found.api_key = "Type the key to test; Save tests with the saved key";
    }
    if (hasHalfMapping(values.mappings)) {
      found.path_mappings = "Fill in both folders of each path mapping, or remove the row";
    }
    return found;
  }

  function testBody(): ConnectionCreate {
    return {
      name: values.name.trim() || "test",
      arr_type: values.arr_type,
      url: values.url.trim(),
      api_key: values.api_key.trim(),
      monitor: values.monitor,
      path_mappings: mappings,
    };
  }

  function runTest() {
    const found = localErrors(true);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    test.mutate(testBody());
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const found = localErrors(false);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const newKey = values.api_key.trim();
    const fields = {
      name: values.name.trim(),
      arr_type: values.arr_type,
      url: values.url.trim(),
      monitor: values.monitor,
      path_mappings: mappings,
    };
    const request = editing
      ? {
          id: connection.id,
          // The masked key is never sent back: only a key the user typed replaces it.
          body: (newKey ? { ...fields, api_key: newKey } : fields) satisfies ConnectionUpdate,
        }
      : { id: undefined, body: { ...fields, api_key: newKey } satisfies ConnectionCreate };
    save.mutate(request, {
      onSuccess: (saved) => {
        onSaved?.(saved);
        onClose();
      },
      onError: saveFailed(setErrors, setFormError),
    });
  }

  const port = ARR_TYPES.find((t) => t.value === values.arr_type)?.port ?? 7878;
  const label = arrLabel(values.arr_type);
  const formId = useId();

  return (
    <Modal
      title={editing ? `Edit ${connection.name}` : "Add connection"}
      onClose={onClose}
      footer={
        <TestSaveFooter
          formId={formId}
          onTest={runTest}
          testing={test.isPending}
          onCancel={onClose}
          saving={save.isPending}
          savingLabel="Testing and saving…"
        />
      }
    >
      <form id={formId} className="form" onSubmit={submit} noValidate>
        <div className="form-row">
          <TextField
            label="Name"
            name="name"
            value={values.name}
            onChange={(v) => set("name", v)}
            error={errors.name}
            placeholder={label}
            required
          />
          <SelectField
            label="Type"
            name="arr_type"
            value={values.arr_type}
            onChange={(v) => set("arr_type", v as ArrType)}
            error={errors.arr_type}
            options={ARR_TYPES}
          />
        </div>
        <TextField
          label="URL"
          name="url"
          type="url"
          value={values.url}
          onChange={(v) => set("url", v)}
          error={errors.url}
          placeholder={`http://localhost:${port}`}
          hint={`The address of ${label}, as this server reaches it.`}
          autoComplete="off"
          required
        />
        <TextField
          label="API key"
          name="api_key"
          type="password"
          value={values.api_key}
          onChange={(v) => set("api_key", v)}
          error={errors.api_key}
          autoComplete="off"
          hint={
            editing
              ? `Saved key: ${connection.api_key}. Leave blank to keep it.`
              : `In ${label}: Settings → General → Security.`
          }
          required={!editing}
        />
        <fieldset className="field">
          <legend>Monitor</legend>
          {MONITOR_MODES.map((mode) => (
            <div className="field field-checkbox" key={mode.value}>
              <input
                type="radio"
                id={`${monitorName}-${mode.value}`}
                name={monitorName}
                value={mode.value}
                checked={values.monitor === mode.value}
                onChange={() => set("monitor", mode.value)}
                aria-describedby={`${monitorName}-${mode.value}-help`}
              />
              <label htmlFor={`${monitorName}-${mode.value}`}>{mode.label}</label>
              <span className="field-hint" id={`${monitorName}-${mode.value}-help`}>
                {mode.help}
              </span>
            </div>
          ))}
        </fieldset>
        <PathMappingsField
          rows={values.mappings}
          onChange={(rows) => set("mappings", rows)}
          app={label}
          error={errors.path_mappings}
        />
        {/* Near the buttons, so the reason shows where the user looks after pressing them. */}
        <FormError message={formError} />
        <div id={`${formId}-test`}>
          <CheckResult
            error={test.error}
            result={test.data}
            okText={`Connected: ${test.data?.app_name ?? label} ${test.data?.version ?? ""}`}
          />
        </div>
      </form>
    </Modal>
  );
}
