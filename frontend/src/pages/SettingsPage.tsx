import { useState } from "react";
import { errorMessage } from "../api/client";
import { PasswordPanel, SessionsPanel } from "../components/AccountSettings";
import { ConnectionsSettings } from "../components/ConnectionsSettings";
import { MediaServersSettings } from "../components/MediaServersSettings";
import { ConfirmDialog } from "../components/Modal";
import { NotificationsSettings } from "../components/NotificationsSettings";
import { RootsSettings } from "../components/RootsSettings";
import { ErrorState, Loading } from "../components/States";
import { WebhooksSettings } from "../components/WebhooksSettings";
import { useRegenerateApiKey, useSettings } from "../hooks/queries/settings";
import { useCopyToClipboard, useTitle } from "../lib/hooks";

export function SettingsPage() {
  useTitle("Settings");
  const settings = useSettings();
  const regenerateKey = useRegenerateApiKey();
  const [shown, setShown] = useState(false);
  const [copied, copyText, clearCopied] = useCopyToClipboard(() => setShown(true), "key");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [newKey, setNewKey] = useState<string | null>(null);

  if (settings.error) {
    return (
      <section className="page">
        <h1>Settings</h1>
        <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />
      </section>
    );
  }
  if (!settings.data) {
    return (
      <section className="page">
        <h1>Settings</h1>
        <Loading label="Loading settings" />
      </section>
    );
  }
  const s = settings.data;
  const apiKey = newKey ?? s.api_key;

  async function regenerate() {
    setBusy(true);
    setError(null);
    try {
      const result = await regenerateKey.mutateAsync();
      setNewKey(result.api_key);
      setShown(true);
      setConfirming(false);
      clearCopied();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="page">
      <h1>Settings</h1>
      <section className="panel" aria-labelledby="api-key-heading">
        <h2 id="api-key-heading">API key</h2>
        <p className="muted">
          Scripts and other apps send it in the <code>X-API-KEY</code> header.
        </p>
        <div className="key-row">
          <label htmlFor="api-key" className="visually-hidden">
            API key
          </label>
          <input
            id="api-key"
            className="key-input"
            type={shown ? "text" : "password"}
            value={apiKey}
            readOnly
            spellCheck={false}
            autoComplete="off"
          />
          <button
            type="button"
            className="btn"
            onClick={() => setShown((v) => !v)}
            aria-pressed={shown}
          >
            {shown ? "Hide" : "Show"}
          </button>
          <button type="button" className="btn" onClick={() => void copyText(apiKey)}>
            Copy
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={s.api_key_from_env}
            onClick={() => {
              setError(null);
              setConfirming(true);
            }}
            aria-describedby={s.api_key_from_env ? "api-key-env-note" : undefined}
          >
            Regenerate
          </button>
        </div>
        {s.api_key_from_env && (
          <p className="note" id="api-key-env-note">
            The key is set by the <code>APP_API_KEY</code> environment variable; change it there.
          </p>
        )}
        {copied && (
          <p className="note" role="status">
            {copied}
          </p>
        )}
        {newKey && (
          <p className="note" role="status">
            A new key is in use; scripts with the old key must be updated.
          </p>
        )}
      </section>
      <ConnectionsSettings />
      <RootsSettings />
      <section className="settings-group" aria-labelledby="connect-heading">
        <h2 className="section-heading" id="connect-heading">
          Connect
        </h2>
        <p className="muted">
          Who hears about what Trailarr does, and who tells Trailarr what happens.
        </p>
        <NotificationsSettings />
        <MediaServersSettings />
        <WebhooksSettings />
      </section>
      <PasswordPanel />
      <SessionsPanel />
      <section className="panel" aria-labelledby="about-heading">
        <h2 id="about-heading">About</h2>
        <dl className="facts">
          <div className="fact">
            <dt>Version</dt>
            <dd>{s.version}</dd>
          </div>
          <div className="fact">
            <dt>Data folder</dt>
            <dd>
              <code>{s.app_data_dir}</code>
            </dd>
          </div>
          <div className="fact">
            <dt>Database</dt>
            <dd>
              <code>{s.database}</code>
            </dd>
          </div>
          <div className="fact">
            <dt>Local sources</dt>
            <dd>{s.allow_local_sources ? "Allowed" : "Not allowed"}</dd>
          </div>
        </dl>
      </section>
      {confirming && (
        <ConfirmDialog
          title="Regenerate the API key"
          message={<p>The current key stops working at once. Continue?</p>}
          confirmLabel="Regenerate"
          danger
          busy={busy}
          error={error}
          onConfirm={() => void regenerate()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
