// End-to-end scenario: Settings → Connect, and the events feed.
//
// Starts the notification receiver (tests/utils/notify_receiver.py, which keeps what Apprise's
// json:// posts to it) and a stand-in Jellyfin (tests/utils/mediaserver_standin.py). In
// Chromium: add a notification target pointing at the receiver, press Test and find the test
// message in the receiver; add the Jellyfin (a wrong token first: the test says why) and see
// its name and version; read the Radarr webhook URL (the key hidden until shown) and post a
// Radarr "Test" event to it; then filter the History's events by type and source, compare
// with the API, and see a new failure appear without a reload. Both programs are stopped at
// the end, also on failure.
import { join } from "node:path";
import { startProgram, stopProcess, waitFor } from "./support.mjs";

const JELLYFIN_TOKEN = "e2e-jellyfin-token-0123456789";

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function received(receiver) {
  const res = await fetch(`${receiver.url}/received`);
  assert(res.ok, `the receiver lists what it got (${res.status})`);
  return res.json();
}

/** The ids of the events the page lists, in order. */
function shownEventIds(page) {
  return page
    .locator(".events-table tbody tr[data-event-id]")
    .evaluateAll((rows) => rows.map((row) => Number(row.getAttribute("data-event-id"))));
}

/** The ids of the events the API gives for `query` (the feed's first page). */
async function apiEventIds(api, query) {
  const page = await api.get(`/api/v1/events?page_size=25&${query}`);
  return page.records.map((r) => r.id);
}

/** Wait until the page lists the events the API gives for `query`; returns their ids. */
async function expectFeed(page, api, query, what) {
  let last = "";
  return waitFor(
    async () => {
      const [shown, expected] = [await shownEventIds(page), await apiEventIds(api, query)];
      last = `shown ${JSON.stringify(shown)}, API ${JSON.stringify(expected)}`;
      if (expected.length === 0) {
        return (await page.getByText("No event matches these filters.").isVisible()) && [];
      }
      return JSON.stringify(shown) === JSON.stringify(expected) && shown;
    },
    { timeout: 20_000, what: `${what} (${last})` },
  );
}

/** The scenario; `ctx` as for the other scenarios of run.mjs. */
export async function connectScenario({ page, base, api, repo, artifacts, step, cleanups }) {
  const started = [];
  try {
    const receiver = await startProgram({
      repo,
      module: "tests.utils.notify_receiver",
      args: ["--port", "0"],
      what: "the notification receiver",
      cleanups,
    });
    started.push(receiver.child);
    const jellyfin = await startProgram({
      repo,
      module: "tests.utils.mediaserver_standin",
      args: ["--kind", "jellyfin", "--port", "0", "--token", JELLYFIN_TOKEN],
      what: "the stand-in Jellyfin",
      cleanups,
    });
    started.push(jellyfin.child);

    await step("connect: a notification target's Test reaches the receiver", async () => {
      await page.goto(`${base}/settings`);
      const panel = page.getByRole("region", { name: "Notifications" });
      await panel.getByRole("button", { name: "Add notification" }).click();
      const dialog = page.getByRole("dialog", { name: "Add notification" });
      await dialog.getByLabel("Name").fill("E2E receiver");
      await dialog.getByLabel("Apprise URL").fill(`json://127.0.0.1:${receiver.port}/e2e`);
      await dialog.getByLabel("Download failed").check();
      assert(
        (await dialog.getByRole("link", { name: /Apprise's URL format/ }).getAttribute("href")) ===
          "https://github.com/caronc/apprise/wiki",
        "the dialog links to Apprise's URL documentation",
      );
      await dialog.getByRole("button", { name: "Test" }).click();
      await dialog.getByText("Test notification sent.").waitFor({ timeout: 30_000 });
      const got = await waitFor(
        async () => (await received(receiver)).length >= 1 && received(receiver),
        {
          what: "the receiver to get the test",
        },
      );
      assert(got[0].path === "/e2e", `the test was posted to /e2e: ${JSON.stringify(got[0])}`);
      assert(
        /test/i.test(`${got[0].title} ${got[0].message}`),
        `a test message: ${JSON.stringify(got[0])}`,
      );
      await page.screenshot({ path: join(artifacts, "connect-notification.png") });
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "detached" });

      const saved = (await api.get("/api/v1/notifications")).find((t) => t.name === "E2E receiver");
      assert(saved, "the target is saved");
      assert(
        JSON.stringify(saved.events) === JSON.stringify(["downloaded", "download_failed"]),
        `its events: ${JSON.stringify(saved.events)}`,
      );
      const row = panel.getByRole("row", { name: /^E2E receiver / });
      await row.getByText("Trailer downloaded").waitFor();
      await row.getByText("Download failed").waitFor();
      await row.getByRole("button", { name: "Test E2E receiver" }).click();
      await row.getByRole("status").getByText("Sent").waitFor({ timeout: 30_000 });
      await waitFor(async () => (await received(receiver)).length >= 2, {
        what: "the receiver to get the row's test",
      });
    });

    await step("connect: a Jellyfin media server's Test shows its name and version", async () => {
      const panel = page.getByRole("region", { name: "Media servers" });
      await panel.getByRole("button", { name: "Add media server" }).click();
      const dialog = page.getByRole("dialog", { name: "Add media server" });
      await dialog.getByLabel("Kind").selectOption("jellyfin");
      await dialog.getByLabel("Name").fill("E2E Jellyfin");
      await dialog.getByLabel("URL").fill(jellyfin.url);
      await dialog.getByLabel("Token").fill("wrong-token");
      await dialog.getByRole("button", { name: "Test" }).click();
      const refusal = dialog.getByRole("alert");
      await refusal.waitFor({ timeout: 30_000 });
      assert((await refusal.innerText()).startsWith("Test failed: "), "the test says why");
      await dialog.getByLabel("Token").fill(JELLYFIN_TOKEN);
      await dialog.getByRole("button", { name: "Add path mapping" }).click();
      await dialog.getByLabel("Jellyfin folder 1").fill("/data/movies");
      await dialog.getByLabel("Folder here 1").fill("/mnt/movies");
      await dialog.getByRole("button", { name: "Test" }).click();
      const info = await fetch(`${jellyfin.url}/System/Info/Public`).then((r) => r.json());
      const identity = `${info.ServerName} ${info.Version}`;
      await dialog.getByText(`Connected: ${identity}`).waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(artifacts, "connect-mediaserver.png") });
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "detached" });

      const saved = (await api.get("/api/v1/mediaservers")).find((s) => s.name === "E2E Jellyfin");
      assert(saved && saved.kind === "jellyfin", "the server is saved as a Jellyfin");
      assert(!JSON.stringify(saved).includes(JELLYFIN_TOKEN), "the API masks the token");
      const row = panel.getByRole("row", { name: /^E2E Jellyfin / });
      await row.getByText(saved.token).waitFor();
      assert(!(await row.innerText()).includes(JELLYFIN_TOKEN), "the list masks the token");
      await row.getByText("/mnt/movies").waitFor();
      await row.getByRole("button", { name: "Test E2E Jellyfin" }).click();
      await row.getByRole("status").getByText(identity).waitFor({ timeout: 30_000 });
    });

    await step("connect: the Radarr webhook URL, its key hidden until shown, works", async () => {
      const { api_key: apiKey } = await api.get("/api/v1/settings");
      const panel = page.getByRole("region", { name: "Webhooks" });
      const field = panel.getByLabel("Radarr webhook URL", { exact: true });
      const hidden = await field.inputValue();
      assert(
        hidden === `${base}/api/v1/webhooks/radarr?apikey=••••••••`,
        `the URL with the key hidden: ${hidden}`,
      );
      await panel.getByRole("button", { name: "Show the key in the Radarr webhook URL" }).click();
      const url = await field.inputValue();
      assert(url === `${base}/api/v1/webhooks/radarr?apikey=${apiKey}`, `the URL shown: ${url}`);
      await page.screenshot({ path: join(artifacts, "connect-webhooks.png") });
      // What Radarr sends when its webhook's Test button is pressed, without Trailarr's header.
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ eventType: "Test", instanceName: "Radarr" }),
      });
      assert(res.ok, `the webhook URL takes Radarr's test (${res.status}: ${await res.text()})`);
      const wrong = await fetch(url.replace(apiKey, "wrong"), { method: "POST", body: "{}" });
      assert(wrong.status === 401, `a wrong key is refused (${wrong.status})`);
    });

    await step(
      "events: filtered by type and source in the URL, live without a reload",
      async () => {
        const nav = page.getByRole("navigation", { name: "Main" });
        await nav.getByRole("link", { name: "History", exact: true }).click();
        await page.waitForURL(/\/history/);
        await page
          .getByRole("group", { name: "Show" })
          .getByRole("button", { name: "Events" })
          .click();
        await page.waitForURL(/show=events/);
        await expectFeed(page, api, "", "every event");

        const types = page.getByRole("group", { name: "Event types" });
        await types.getByLabel("Downloaded", { exact: true }).check();
        await page.getByLabel("Source").selectOption("local");
        await page.waitForURL(/type=downloaded.*source=local|source=local.*type=downloaded/);
        const local = await expectFeed(
          page,
          api,
          "event_type=downloaded&source=local",
          "local downloads",
        );
        assert(local.length >= 3, `the seeded local downloads are listed: ${local}`);

        await types.getByLabel("Download failed", { exact: true }).check();
        await page.getByLabel("Source").selectOption("radarr");
        const url = new URL(page.url());
        assert(
          JSON.stringify(url.searchParams.getAll("type")) ===
            JSON.stringify(["downloaded", "download_failed"]) &&
            url.searchParams.get("source") === "radarr",
          `the filters are in the URL: ${url.search}`,
        );
        await expectFeed(
          page,
          api,
          "event_type=downloaded&event_type=download_failed&source=radarr",
          "Radarr's downloads and failures",
        );

        // Live: a download of a local media fails; its event shows up without a reload.
        await page.getByLabel("Source").selectOption("local");
        await types.getByLabel("Downloaded", { exact: true }).uncheck();
        const query = "event_type=download_failed&source=local";
        const before = await expectFeed(page, api, query, "local failures");
        const media = (await api.get("/api/v1/media?page_size=500")).records.find(
          (m) => m.connection_id === null,
        );
        assert(media, "a local media to fail a download for");
        const marker = await page.evaluate(() => {
          globalThis.__e2eNoReload = true;
          return true;
        });
        await api.post(`/api/v1/media/${media.id}/download`, {
          profile_id: null,
          url: "http://127.0.0.1:9/e2e-missing-trailer.mp4",
        });
        await waitFor(
          async () => {
            const shown = await shownEventIds(page);
            return shown.length > before.length && shown.some((id) => !before.includes(id));
          },
          { timeout: 60_000, what: "the new failure to appear in the feed" },
        );
        assert(
          marker && (await page.evaluate(() => globalThis.__e2eNoReload === true)),
          "the page was not reloaded",
        );
        const newest = page.locator(".events-table tbody tr[data-event-id]").first();
        assert((await newest.innerText()).includes(media.title), "the new failure is the media's");
        await page.screenshot({ path: join(artifacts, "events-feed.png"), fullPage: true });
      },
    );
  } finally {
    for (const child of started) await stopProcess(child);
  }
}
