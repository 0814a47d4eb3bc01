import { useId, useState, type FormEvent } from "react";
import type { FieldErrors } from "../api/client";
import type {
  MediaServer,
  MediaServerCheck,
  MediaServerCreate,
  MediaServerKind,
  MediaServerUpdate,
} from "../api/types";
import { useSaveMediaServer, useTestMediaServer } from "../hooks/queries/mediaservers";
import { CheckResult } from "./CheckResult";
import { CheckboxField, FormError, SelectField, TextField } from "./Fields";
import { saveFailed, TestSaveFooter } from "./DialogParts";
import { Modal } from "./Modal";
import {
  PathMappingsField,
  filledMappings,
  hasHalfMapping,
  mappingRow,
  type MappingRow,
} from "./PathMappingsField";

export const MEDIA_SERVER_KINDS: readonly {
  value: MediaServerKind;
  label: string;
  port: number;
  token: string;
}[] = [
  { value: "plex", label: "Plex", port: 32400, token: "Plex token (X-Plex-Token)" },
  { value: "jellyfin", label: "Jellyfin", port: 8096, token: "Dashboard → API Keys" },
  { value: "emby", label: "Emby", port: 8096, token: "Settings → Advanced → API Keys" },
];

export function mediaServerLabel(kind: MediaServerKind): string {
  return MEDIA_SERVER_KINDS.find((k) => k.value === kind)?.label ?? kind;
}

/** "Jellyfin Server 10.9.11": what a passing test found. */
export function serverIdentity(check: MediaServerCheck, kind: MediaServerKind): string {
  return [check.server_name ?? mediaServerLabel(kind), check.version].filter(Boolean).join(" ");
}

interface Values {
  name: string;
  kind: MediaServerKind;
  url: string;
  token: string;
  enabled: boolean;
  mappings: MappingRow[];
}

function initialValues(server: MediaServer | undefined): Values {
  if (!server) {
    return { name: "", kind: "plex", url: "", token: "", enabled: true, mappings: [] };
  }
  return {
    name: server.name,
    kind: server.kind,
    url: server.url,
    // The saved token is only shown masked; a blank field keeps it.
    token: "",
    enabled: server.enabled,
    mappings: (server.path_mappings ?? []).map((m) => mappingRow(m.path_from, m.path_to)),
  };
}

interface Props {
  /** The server to edit; none to add one. */
  server?: MediaServer;
  onClose: () => void;
}

/** Add or edit a Plex, Jellyfin or Emby server that rescans a media's folder. */
export function MediaServerDialog({ server, onClose }: Props) {
  const editing = server !== undefined;
  const [values, setValues] = useState<Values>(() => initialValues(server));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const save = useSaveMediaServer();
  const test = useTestMediaServer();
  const formId = useId();

  function set<K extends keyof Values>(key: K, value: Values[K]) {
    setValues((v) => ({ ...v, [key]: value }));
    test.reset();
  }

  const kind = MEDIA_SERVER_KINDS.find((k) => k.value === values.kind) ?? MEDIA_SERVER_KINDS[0]!;
  const url = values.url.trim();
  const token = values.token.trim();
  /** Editing with the saved address and token: the saved server can be tested as it is. */
  const savedAsIs =
    editing && !token && url === server.url.replace(/\/+$/, "") && values.kind === server.kind;

  /** Checks the server would make anyway, said before a round trip. */
  function localErrors(forTest: boolean): FieldErrors {
    const found: FieldErrors = {};
    if (!forTest && !values.name.trim()) found.name = "Enter a name";
    if (!/^https?:\/\/\S+$/i.test(url)) {
      found.url = `Enter the server's address, e.g. http://localhost:${kind.port}`;
    }
    if (!token) {
      if (!editing) found.token = "Enter the server's token";
      // The saved token never comes back to the browser: testing a changed address needs it.
      else if (forTest && !savedAsIs) found.token = "Type the token to test a changed server";
    }
    if (hasHalfMapping(values.mappings)) {
      found.path_mappings = "Fill in both folders of each path mapping, or remove the row";
    }
    return found;
  }

  function runTest() {
    const found = localErrors(true);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    test.mutate(
      savedAsIs
        ? { id: server.id }
        : {
            body: {
              name: values.name.trim() || kind.label,
              kind: values.kind,
              url,
              token,
              enabled: values.enabled,
              path_mappings: filledMappings(values.mappings),
            },
          },
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const found = localErrors(false);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const fields = {
      name: values.name.trim(),
      kind: values.kind,
      url,
      enabled: values.enabled,
      path_mappings: filledMappings(values.mappings),
    };
    const request = editing
      ? {
          id: server.id,
          // The masked token is never sent back: only a token the user typed replaces it.
          body: (token ? { ...fields, token } : fields) satisfies MediaServerUpdate,
        }
      : { id: undefined, body: { ...fields, token } satisfies MediaServerCreate };
    save.mutate(request, {
      onSuccess: onClose,
      onError: saveFailed(setErrors, setFormError),
    });
  }

  return (
    <Modal
      title={editing ? `Edit ${server.name}` : "Add media server"}
      onClose={onClose}
      footer={
        <TestSaveFooter
          formId={formId}
          onTest={runTest}
          testing={test.isPending}
          onCancel={onClose}
          saving={save.isPending}
        />
      }
    >
      <form id={formId} className="form" onSubmit={submit} noValidate>
        <div className="form-row">
          <SelectField
            label="Kind"
            name="kind"
            value={values.kind}
            onChange={(v) => set("kind", v as MediaServerKind)}
            error={errors.kind}
            options={MEDIA_SERVER_KINDS}
          />
          <TextField
            label="Name"
            name="name"
            value={values.name}
            onChange={(v) => set("name", v)}
            error={errors.name}
            placeholder={kind.label}
            required
          />
        </div>
        <TextField
          label="URL"
          name="url"
          type="url"
          value={values.url}
          onChange={(v) => set("url", v)}
          error={errors.url}
          placeholder={`http://localhost:${kind.port}`}
          hint={`The address of ${kind.label}, as this server reaches it.`}
          autoComplete="off"
          required
        />
        <TextField
          label="Token"
          name="token"
          type="password"
          value={values.token}
          onChange={(v) => set("token", v)}
          error={errors.token}
          autoComplete="off"
          hint={
            editing
              ? `Saved token: ${server.token}. Leave blank to keep it.`
              : `In ${kind.label}: ${kind.token}.`
          }
          required={!editing}
        />
        <PathMappingsField
          rows={values.mappings}
          onChange={(rows) => set("mappings", rows)}
          app={kind.label}
          error={errors.path_mappings}
          fromPlaceholder="/data/movies"
          toPlaceholder="/mnt/media/movies"
        />
        <CheckboxField
          label="Enabled"
          name="enabled"
          checked={values.enabled}
          onChange={(v) => set("enabled", v)}
          hint="An enabled server rescans a media's folder when its trailer is added or removed."
        />
        <FormError message={formError} />
        <div id={`${formId}-test`}>
          <CheckResult
            error={test.error}
            result={test.data}
            okText={test.data ? `Connected: ${serverIdentity(test.data, values.kind)}` : ""}
          />
        </div>
      </form>
    </Modal>
  );
}
