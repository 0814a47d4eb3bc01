import { useState, type FormEvent } from "react";
import { Navigate, useSearchParams } from "react-router-dom";
import { ApiError, errorMessage, type FieldErrors } from "../api/client";
import { useAuth } from "../auth";
import { FormError, TextField } from "../components/Fields";
import { ErrorState, Loading } from "../components/States";
import { useTitle } from "../lib/hooks";

const MIN_PASSWORD = 8;
export const SETUP_TOKEN_HINT =
  "Only the server's owner can create the account: the server prints the token in its " +
  "console and log when it starts, and keeps it in the file setup_token in its data folder.";

/** `/login` and `/setup`: the first visit creates the admin account, later ones sign in. */
export function AuthPage({ mode }: { mode: "login" | "setup" }) {
  useTitle(mode === "setup" ? "Create account" : "Sign in");
  const { status, error, refresh, login, setup } = useAuth();
  const [params] = useSearchParams();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [setupToken, setSetupToken] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (!status) {
    return (
      <main className="auth-page">
        {error ? (
          <ErrorState error={error} onRetry={() => void refresh()} />
        ) : (
          <Loading label="Connecting" />
        )}
      </main>
    );
  }
  const next = params.get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  if (status.authenticated) return <Navigate to={target} replace />;
  if (status.setup_required && mode === "login") return <Navigate to="/setup" replace />;
  if (!status.setup_required && mode === "setup") return <Navigate to="/login" replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const local: FieldErrors = {};
    if (mode === "setup" && !setupToken.trim()) local.setup_token = "Enter the setup token";
    if (!username.trim()) local.username = "Enter a user name";
    if (!password) local.password = "Enter a password";
    else if (mode === "setup" && password.length < MIN_PASSWORD) {
      local.password = `Use at least ${MIN_PASSWORD} characters`;
    }
    if (mode === "setup" && !local.password && confirm !== password) {
      local.confirm = "The passwords differ";
    }
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      const credentials = { username: username.trim(), password };
      if (mode === "setup") await setup({ ...credentials, setup_token: setupToken.trim() });
      else await login(credentials);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setFormError("Wrong user name or password");
      } else if (err instanceof ApiError && Object.keys(err.fieldErrors).length > 0) {
        setErrors(err.fieldErrors);
      } else {
        setFormError(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth-page">
      <form className="auth-card form" onSubmit={submit} noValidate>
        <h1 className="auth-title">
          <span className="brand-mark" aria-hidden="true">
            ▶
          </span>{" "}
          Trailarr
        </h1>
        <p className="muted">
          {mode === "setup"
            ? "Welcome! Create the administrator account to start."
            : "Sign in to continue."}
        </p>
        <FormError message={formError} />
        {mode === "setup" && (
          <TextField
            label="Setup token"
            name="setup_token"
            value={setupToken}
            onChange={setSetupToken}
            error={errors.setup_token}
            autoComplete="off"
            hint={SETUP_TOKEN_HINT}
            autoFocus
            required
          />
        )}
        <TextField
          label="User name"
          name="username"
          value={username}
          onChange={setUsername}
          error={errors.username}
          autoComplete="username"
          autoFocus={mode === "login"}
          required
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          error={errors.password}
          autoComplete={mode === "setup" ? "new-password" : "current-password"}
          hint={mode === "setup" ? `At least ${MIN_PASSWORD} characters.` : undefined}
          required
        />
        {mode === "setup" && (
          <TextField
            label="Repeat password"
            name="confirm"
            type="password"
            value={confirm}
            onChange={setConfirm}
            error={errors.confirm}
            autoComplete="new-password"
            required
          />
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? "Please wait…" : mode === "setup" ? "Create account" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
