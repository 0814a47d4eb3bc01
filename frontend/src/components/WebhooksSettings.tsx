import { useState } from "react";
import { useSettings } from "../hooks/queries/settings";
import { useCopyToClipboard } from "../lib/hooks";
import { ErrorState, Loading } from "./States";

const APPS = [
  {
    app: "radarr",
    label: "Radarr",
    events: "On Movie Added, On Import, On Rename, On Movie Delete and On Movie File Delete",
  },
  {
    app: "sonarr",
    label: "Sonarr",
    events: "On Series Add, On Import, On Rename, On Series Delete and On Episode File Delete",
  },
] as const;

const HIDDEN_KEY = "••••••••";

/** The webhook URL that an app posts to: this page's origin, the app's route and the key. */
export function webhookUrl(app: string, apiKey: string, origin = window.location.origin): string {
  return `${origin}/api/v1/webhooks/${app}?apikey=${encodeURIComponent(apiKey)}`;
}

function WebhookRow({ app, label, events, apiKey }: (typeof APPS)[number] & { apiKey: string }) {
  const [shown, setShown] = useState(false);
  const [copied, copy] = useCopyToClipboard(() => setShown(true), "URL");
  const id = `webhook-${app}`;
  return (
    <div className="field" data-webhook={app}>
      <label htmlFor={id}>{label} webhook URL</label>
      <div className="key-row">
        <input
          id={id}
          className="key-input"
          type="text"
          value={shown ? webhookUrl(app, apiKey) : `${webhookUrl(app, "")}${HIDDEN_KEY}`}
          readOnly
          spellCheck={false}
          autoComplete="off"
          aria-describedby={`${id}-hint`}
        />
        <button
          type="button"
          className="btn"
          aria-pressed={shown}
          aria-label={`${shown ? "Hide" : "Show"} the key in the ${label} webhook URL`}
          onClick={() => setShown((v) => !v)}
        >
          {shown ? "Hide" : "Show"}
        </button>
        <button
          type="button"
          className="btn"
          aria-label={`Copy the ${label} webhook URL`}
          onClick={() => void copy(webhookUrl(app, apiKey))}
        >
          Copy
        </button>
      </div>
      <span className="field-hint" id={`${id}-hint`}>
        In {label}: Settings → Connect → + → Webhook, method POST, with {events}.
      </span>
      {copied && (
        <p className="note" role="status">
          {copied}
        </p>
      )}
    </div>
  );
}

/** Settings → Connect → Webhooks: the URLs that Radarr and Sonarr call on their events. */
export function WebhooksSettings() {
  const settings = useSettings();
  return (
    <section className="panel" aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading">Webhooks</h2>
      <p className="muted">
        With a webhook, Radarr and Sonarr tell Trailarr at once about a movie or series added,
        imported, renamed or deleted, instead of waiting for the next sync. The URL holds the API
        key: keep it private.
      </p>
      {settings.error ? (
        <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />
      ) : !settings.data ? (
        <Loading label="Loading the webhook URLs" />
      ) : (
        <div className="form">
          {APPS.map((a) => (
            <WebhookRow key={a.app} {...a} apiKey={settings.data.api_key} />
          ))}
        </div>
      )}
    </section>
  );
}
