import { useState } from "react";
import { errorMessage } from "../api/client";
import { PasswordPanel, SessionsPanel } from "../components/AccountSettings";
import { ConnectionsSettings } from "../components/ConnectionsSettings";
import { ConfirmDialog } from "../components/Modal";
import { RootsSettings } from "../components/RootsSettings";
import { ErrorState, Loading } from "../components/States";
import { useRegenerateApiKey, useSettings } from "../hooks/queries/settings";
import { useTitle } from "../lib/hooks";

export function SettingsPage() {
  useTitle("Settings");
  const settings = useSettings();
  const regenerateKey = useRegenerateApiKey();
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
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

  async function copy() {
    try {
      await navigator.clipboard.writeText(apiKey);
      setCopied("Copied to the clipboard");
    } catch {
      setShown(true);
      setCopied("Copying is not allowed here: the key is shown, select and copy it");
    }
  }

  async function regenerate() {
    setBusy(true);
    setError(null);
    try {
      const result = await regenerateKey.mutateAsync();
      setNewKey(result.api_key);
      setShown(true);
      setConfirming(false);
      setCopied(null);
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
          <button type="button" className="btn" onClick={() => void copy()}>
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
