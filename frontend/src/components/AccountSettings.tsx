import { useState, type FormEvent } from "react";
import { api, ApiError, call, errorMessage, type FieldErrors } from "../api/client";
import { useAuth } from "../auth";
import { FormError, TextField } from "./Fields";
import { ConfirmDialog } from "./Modal";

const MIN_PASSWORD = 8;

/** Change the signed-in user's password (POST /api/v1/auth/password). */
export function PasswordPanel() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    setDone(false);
    const local: FieldErrors = {};
    if (!current) local.current_password = "Enter your current password";
    if (next.length < MIN_PASSWORD) local.new_password = `Use at least ${MIN_PASSWORD} characters`;
    else if (confirm !== next) local.confirm = "The passwords differ";
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      await call(
        api.POST("/api/v1/auth/password", {
          body: { current_password: current, new_password: next },
        }),
      );
      setCurrent("");
      setNext("");
      setConfirm("");
      setDone(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) {
        setErrors({ current_password: err.message });
      } else if (err instanceof ApiError && err.status === 422) {
        setErrors({ new_password: err.message });
      } else {
        setFormError(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <form className="form" onSubmit={submit} noValidate>
        <FormError message={formError} />
        <TextField
          label="Current password"
          name="current_password"
          type="password"
          value={current}
          onChange={setCurrent}
          error={errors.current_password}
          autoComplete="current-password"
          required
        />
        <TextField
          label="New password"
          name="new_password"
          type="password"
          value={next}
          onChange={setNext}
          error={errors.new_password}
          autoComplete="new-password"
          hint={`At least ${MIN_PASSWORD} characters.`}
          required
        />
        <TextField
          label="Repeat new password"
          name="confirm"
          type="password"
          value={confirm}
          onChange={setConfirm}
          error={errors.confirm}
          autoComplete="new-password"
          required
        />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? "Please wait…" : "Change password"}
        </button>
        {done && (
          <p className="note" role="status">
            The password is changed; your other sessions were signed out.
          </p>
        )}
      </form>
    </section>
  );
}

/** Sign out of every session of the user, this one included. */
export function SessionsPanel() {
  const { logoutAll } = useAuth();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function signOutEverywhere() {
    setBusy(true);
    setError(null);
    try {
      await logoutAll();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <p className="muted">
        Signed in on a shared or lost device? End every session, this one included.
      </p>
      <button
        type="button"
        className="btn btn-danger"
        onClick={() => {
          setError(null);
          setConfirming(true);
        }}
      >
        Sign out of all sessions
      </button>
      {confirming && (
        <ConfirmDialog
          title="Sign out of all sessions"
          message={<p>Every browser signed in to this account must sign in again. Continue?</p>}
          confirmLabel="Sign out everywhere"
          danger
          busy={busy}
          error={error}
          onConfirm={() => void signOutEverywhere()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}
