import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { AppSettings } from "../api/types";
import { renderWithQuery } from "../test/query";
import { WebhooksSettings, webhookUrl } from "./WebhooksSettings";

const SETTINGS = { api_key: "0123456789abcdef" } as AppSettings;

function ok(data: unknown) {
  return Promise.resolve({ data, response: { ok: true, status: 200 } });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("WebhooksSettings", () => {
  it("builds the URL from the page's origin, the app and the key", () => {
    expect(webhookUrl("sonarr", "a/b+c", "https://t.example")).toBe(
      "https://t.example/api/v1/webhooks/sonarr?apikey=a%2Fb%2Bc",
    );
  });

  it("shows each app's URL with the key hidden until shown, and copies it whole", async () => {
    vi.spyOn(api, "GET").mockImplementation((() => ok(SETTINGS)) as never);
    const user = userEvent.setup();
    const writeText = vi.spyOn(navigator.clipboard, "writeText").mockResolvedValue(undefined);
    renderWithQuery(<WebhooksSettings />);
    const radarr = (await screen.findByLabelText("Radarr webhook URL")) as HTMLInputElement;
    const origin = window.location.origin;
    expect(radarr.value).toBe(`${origin}/api/v1/webhooks/radarr?apikey=••••••••`);
    expect(radarr.value).not.toContain(SETTINGS.api_key);

    await user.click(
      screen.getByRole("button", { name: "Show the key in the Radarr webhook URL" }),
    );
    expect(radarr.value).toBe(`${origin}/api/v1/webhooks/radarr?apikey=0123456789abcdef`);
    const sonarr = screen.getByLabelText("Sonarr webhook URL") as HTMLInputElement;
    expect(sonarr.value).not.toContain(SETTINGS.api_key);

    await user.click(screen.getByRole("button", { name: "Copy the Sonarr webhook URL" }));
    expect(writeText).toHaveBeenCalledWith(
      `${origin}/api/v1/webhooks/sonarr?apikey=0123456789abcdef`,
    );
    const row = within(sonarr.closest("[data-webhook]") as HTMLElement);
    expect((await row.findByRole("status")).textContent).toBe("Copied to the clipboard");
  });

  it("shows the URL when the browser refuses to copy", async () => {
    vi.spyOn(api, "GET").mockImplementation((() => ok(SETTINGS)) as never);
    const user = userEvent.setup();
    vi.spyOn(navigator.clipboard, "writeText").mockRejectedValue(new Error("denied"));
    renderWithQuery(<WebhooksSettings />);
    await user.click(await screen.findByRole("button", { name: "Copy the Radarr webhook URL" }));
    expect(await screen.findByText(/Copying is not allowed here: the URL is shown/)).toBeTruthy();
    expect((screen.getByLabelText("Radarr webhook URL") as HTMLInputElement).value).toContain(
      SETTINGS.api_key,
    );
  });
});
