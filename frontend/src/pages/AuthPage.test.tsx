import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { renderWithQuery } from "../test/query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { AuthStatus } from "../api/types";
import { AuthProvider } from "../auth";
import { AuthPage } from "./AuthPage";

const BEFORE_SETUP: AuthStatus = {
  setup_required: true,
  authenticated: false,
  username: null,
  csrf_token: null,
};
const TOKEN_MISSING =
  "Wrong or missing setup token: the server prints it in its console and log at start, " +
  "and keeps it in the file setup_token in its data folder (APP_DATA_DIR)";

function answer(data: unknown, status = 200) {
  const ok = status < 400;
  return Promise.resolve(
    ok ? { data, response: { ok, status } } : { error: data, response: { ok, status } },
  );
}

function renderSetup(status: () => AuthStatus) {
  vi.spyOn(api, "GET").mockImplementation((() => answer(status())) as never);
  renderWithQuery(
    <AuthProvider>
      <MemoryRouter initialEntries={["/setup"]}>
        <Routes>
          <Route path="/setup" element={<AuthPage mode="setup" />} />
          <Route path="/" element={<p>Home</p>} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}

async function fill(token: string) {
  const user = userEvent.setup();
  if (token) await user.type(await screen.findByLabelText("Setup token"), token);
  await user.type(screen.getByLabelText("User name"), "admin");
  await user.type(screen.getByLabelText("Password"), "long enough");
  await user.type(screen.getByLabelText("Repeat password"), "long enough");
  await user.click(screen.getByRole("button", { name: "Create account" }));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("AuthPage: first-run setup", () => {
  it("asks for the setup token and says where to find it", async () => {
    renderSetup(() => BEFORE_SETUP);
    const field = await screen.findByLabelText("Setup token");
    const hint = document.getElementById(field.getAttribute("aria-describedby") ?? "");
    expect(hint?.textContent).toContain("console and log");
    expect(hint?.textContent).toContain("setup_token");
    expect(hint?.textContent).toContain("data folder");
  });

  it("sends the token with the new account", async () => {
    let created = false;
    renderSetup(() => ({ ...BEFORE_SETUP, setup_required: !created, authenticated: created }));
    const post = vi.spyOn(api, "POST").mockImplementation((() => {
      created = true;
      return answer({ username: "admin" }, 201);
    }) as never);
    await fill("  the-token ");
    expect(post).toHaveBeenCalledWith("/api/v1/auth/setup", {
      body: { username: "admin", password: "long enough", setup_token: "the-token" },
    });
    expect(await screen.findByText("Home")).toBeTruthy();
  });

  it("needs a token before it sends anything", async () => {
    renderSetup(() => BEFORE_SETUP);
    const post = vi.spyOn(api, "POST");
    await screen.findByLabelText("Setup token");
    await fill("");
    expect(await screen.findByText("Enter the setup token")).toBeTruthy();
    expect(post).not.toHaveBeenCalled();
  });

  it("shows the server's answer to a wrong token", async () => {
    renderSetup(() => BEFORE_SETUP);
    vi.spyOn(api, "POST").mockImplementation((() =>
      answer({ detail: TOKEN_MISSING }, 403)) as never);
    await fill("wrong");
    expect(await screen.findByText(TOKEN_MISSING)).toBeTruthy();
  });
});
