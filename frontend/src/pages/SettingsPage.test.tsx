import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { renderWithQuery } from "../test/query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { AppSettings, AuthStatus } from "../api/types";
import { AuthProvider, RequireAuth } from "../auth";
import { SettingsPage } from "./SettingsPage";

const SETTINGS = {
  version: "0.1.0",
  app_data_dir: "/data",
  database: "sqlite:////data/trailarr.db",
  allow_local_sources: false,
  api_key: "0123456789abcdef",
  api_key_from_env: false,
} as AppSettings;

function ok(data: unknown, status = 200) {
  return Promise.resolve({ data, response: { ok: true, status } });
}

function failed(status: number, detail: string) {
  return Promise.resolve({ error: { detail }, response: { ok: false, status } });
}

function signedIn(authenticated: boolean): AuthStatus {
  return {
    setup_required: false,
    authenticated,
    username: authenticated ? "admin" : null,
    csrf_token: authenticated ? "csrf" : null,
  };
}

/** The settings page of a signed-in user; `status` answers /auth/status. */
function renderSettings(status: () => AuthStatus) {
  vi.spyOn(api, "GET").mockImplementation(((path: string) => {
    if (path === "/api/v1/auth/status") return ok(status());
    if (path === "/api/v1/settings") return ok(SETTINGS);
    return ok([]);
  }) as never);
  renderWithQuery(
    <AuthProvider>
      <MemoryRouter initialEntries={["/settings"]}>
        <Routes>
          <Route
            path="/settings"
            element={
              <RequireAuth>
                <SettingsPage />
              </RequireAuth>
            }
          />
          <Route path="/login" element={<p>Sign-in page</p>} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}

async function fillPassword(current: string, next: string, repeat = next) {
  const user = userEvent.setup();
  const panel = within(await screen.findByRole("region", { name: "Password" }));
  await user.type(panel.getByLabelText("Current password"), current);
  await user.type(panel.getByLabelText("New password"), next);
  await user.type(panel.getByLabelText("Repeat new password"), repeat);
  await user.click(panel.getByRole("button", { name: "Change password" }));
  return panel;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SettingsPage: password", () => {
  it("changes the password with the current and the new one", async () => {
    renderSettings(() => signedIn(true));
    const post = vi.spyOn(api, "POST").mockImplementation((() => ok(undefined, 204)) as never);
    const panel = await fillPassword("old password", "a new password");
    expect(post).toHaveBeenCalledWith("/api/v1/auth/password", {
      body: { current_password: "old password", new_password: "a new password" },
    });
    expect((await panel.findByRole("status")).textContent).toContain("The password is changed");
    expect((panel.getByLabelText("Current password") as HTMLInputElement).value).toBe("");
  });

  it("shows a wrong current password at its field", async () => {
    renderSettings(() => signedIn(true));
    vi.spyOn(api, "POST").mockImplementation((() =>
      failed(403, "The current password is wrong")) as never);
    const panel = await fillPassword("guess", "a new password");
    const field = panel.getByLabelText("Current password");
    expect(field.getAttribute("aria-invalid")).toBe("true");
    expect((await panel.findByRole("alert")).textContent).toBe("The current password is wrong");
  });

  it("checks the new password before sending it", async () => {
    renderSettings(() => signedIn(true));
    const post = vi.spyOn(api, "POST");
    const panel = await fillPassword("old password", "short");
    expect(await panel.findByText("Use at least 8 characters")).toBeTruthy();
    const user = userEvent.setup();
    await user.type(panel.getByLabelText("New password"), " but longer");
    await user.click(panel.getByRole("button", { name: "Change password" }));
    expect(await panel.findByText("The passwords differ")).toBeTruthy();
    expect(post).not.toHaveBeenCalled();
  });
});

describe("SettingsPage: sessions", () => {
  it("signs out of every session after a confirmation, then asks to sign in", async () => {
    let authenticated = true;
    renderSettings(() => signedIn(authenticated));
    const post = vi.spyOn(api, "POST").mockImplementation(((path: string) => {
      if (path === "/api/v1/auth/logout-all") authenticated = false;
      return ok(undefined, 204);
    }) as never);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Sign out of all sessions" }));
    expect(post).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Sign out everywhere" }));
    expect(post).toHaveBeenCalledWith("/api/v1/auth/logout-all");
    expect(await screen.findByText("Sign-in page")).toBeTruthy();
  });
});

describe("SettingsPage: connect", () => {
  it("holds the notifications, the media servers and the webhook URLs under Connect", async () => {
    renderSettings(() => signedIn(true));
    const connect = within(await screen.findByRole("region", { name: "Connect" }));
    expect(connect.getByRole("region", { name: "Notifications" })).toBeTruthy();
    expect(connect.getByRole("region", { name: "Media servers" })).toBeTruthy();
    const webhooks = within(connect.getByRole("region", { name: "Webhooks" }));
    const sonarr = (await webhooks.findByLabelText("Sonarr webhook URL")) as HTMLInputElement;
    expect(sonarr.value).toBe(`${window.location.origin}/api/v1/webhooks/sonarr?apikey=••••••••`);
    expect(await connect.findByText("No notification yet.")).toBeTruthy();
    expect(await connect.findByText("No media server yet.")).toBeTruthy();
  });
});
