import { useId, useState, type FormEvent } from "react";
import type { FieldErrors } from "../api/client";
import type {
  NotificationEvent,
  NotificationTarget,
  NotificationTargetCreate,
  NotificationTargetUpdate,
} from "../api/types";
import { useSaveNotification, useTestNotification } from "../hooks/queries/notifications";
import { CheckResult } from "./CheckResult";
import { CheckboxField, CheckboxGroup, FormError, TextField } from "./Fields";
import { saveFailed, TestSaveFooter } from "./DialogParts";
import { Modal } from "./Modal";

export const APPRISE_DOCS = "https://github.com/caronc/apprise/wiki";

/** What a target can hear about (the compiler checks that none is missing). */
const EVENT_LABEL: Record<NotificationEvent, string> = {
  downloaded: "Trailer downloaded",
  download_failed: "Download failed",
  trailer_missing: "Trailer missing",
  task_failed: "Task failed",
  health: "Health",
};

export const NOTIFICATION_EVENTS = (Object.keys(EVENT_LABEL) as NotificationEvent[]).map(
  (value) => ({ value, label: EVENT_LABEL[value] }),
);

export function notificationEventLabel(event: NotificationEvent): string {
  return EVENT_LABEL[event] ?? event;
}

interface Values {
  name: string;
  url: string;
  enabled: boolean;
  events: NotificationEvent[];
}

function initialValues(target: NotificationTarget | undefined): Values {
  if (!target) return { name: "", url: "", enabled: true, events: ["downloaded"] };
  // The saved URL is only shown masked; a blank field keeps it.
  return { name: target.name, url: "", enabled: target.enabled, events: [...target.events] };
}

interface Props {
  /** The target to edit; none to add one. */
  target?: NotificationTarget;
  onClose: () => void;
}

/** Add or edit a notification target (an Apprise URL and the events it hears about). */
export function NotificationDialog({ target, onClose }: Props) {
  const editing = target !== undefined;
  const [values, setValues] = useState<Values>(() => initialValues(target));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const save = useSaveNotification();
  const test = useTestNotification();
  const formId = useId();

  function set<K extends keyof Values>(key: K, value: Values[K]) {
    setValues((v) => ({ ...v, [key]: value }));
    test.reset();
  }

  /** Checks the server would make anyway, said before a round trip. */
  function localErrors(forTest: boolean): FieldErrors {
    const found: FieldErrors = {};
    if (!forTest && !values.name.trim()) found.name = "Enter a name";
    if (!editing && !values.url.trim()) found.url = "Enter the Apprise URL of the service";
    if (!forTest && values.events.length === 0) found.events = "Choose at least one event";
    return found;
  }

  function body(): NotificationTargetCreate {
    return {
      name: values.name.trim() || "Test",
      url: values.url.trim(),
      enabled: values.enabled,
      events: values.events,
    };
  }

  function runTest() {
    const found = localErrors(true);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    // A blank URL while editing: the saved target is tested, with its stored URL.
    test.mutate(editing && !values.url.trim() ? { id: target.id } : { body: body() });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const found = localErrors(false);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const url = values.url.trim();
    const fields = { name: values.name.trim(), enabled: values.enabled, events: values.events };
    const request = editing
      ? {
          id: target.id,
          // The masked URL is never sent back: only a URL the user typed replaces it.
          body: (url ? { ...fields, url } : fields) satisfies NotificationTargetUpdate,
        }
      : { id: undefined, body: { ...fields, url } satisfies NotificationTargetCreate };
    save.mutate(request, {
      onSuccess: onClose,
      onError: saveFailed(setErrors, setFormError),
    });
  }

  return (
    <Modal
      title={editing ? `Edit ${target.name}` : "Add notification"}
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
        <TextField
          label="Name"
          name="name"
          value={values.name}
          onChange={(v) => set("name", v)}
          error={errors.name}
          placeholder="Discord"
          required
        />
        <TextField
          label="Apprise URL"
          name="url"
          type="password"
          value={values.url}
          onChange={(v) => set("url", v)}
          error={errors.url}
          autoComplete="off"
          placeholder="discord://webhook_id/webhook_token"
          hint={
            <>
              {editing && (
                <>
                  Saved URL: <code>{target.url}</code>. Leave blank to keep it.{" "}
                </>
              )}
              One URL per service, in{" "}
              <a href={APPRISE_DOCS} target="_blank" rel="noreferrer">
                Apprise's URL format
                <span className="visually-hidden"> (opens in a new tab)</span>
              </a>
              .
            </>
          }
          required={!editing}
        />
        <CheckboxGroup
          label="Events"
          name="events"
          values={values.events}
          onChange={(events) => set("events", events)}
          options={NOTIFICATION_EVENTS}
          error={errors.events}
        />
        <CheckboxField
          label="Enabled"
          name="enabled"
          checked={values.enabled}
          onChange={(v) => set("enabled", v)}
          hint="A disabled target keeps its settings and is told nothing."
        />
        <FormError message={formError} />
        <div id={`${formId}-test`}>
          <CheckResult error={test.error} result={test.data} okText="Test notification sent." />
        </div>
      </form>
    </Modal>
  );
}
