// End-to-end test: the real backend serving the built UI, driven in headless Chromium.
//
//   npm run test:e2e          (builds the UI first when frontend/dist is missing; E2E_BUILD=1 forces it)
//
// Seeds media, profiles and real downloads (clips made with ffmpeg, served on 127.0.0.1)
// through the API with an API key, then signs up and in, checks a media's downloads
// against the API, sorts and pages the history, and starts a download from the page.
// Screenshots go to frontend/test-artifacts/. Everything started here is stopped at the
// end, also on failure or Ctrl-C.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { connectScenario } from "./connect.mjs";
import { connectionsScenario } from "./connections.mjs";
import { backupScenario } from "./system_backup.mjs";
import { logsScenario } from "./system_logs.mjs";
import { statusScenario } from "./system_status.mjs";
import {
  apiClient,
  freePort,
  makeClip,
  serveFiles,
  startBackend,
  stopProcess,
  waitFor,
} from "./support.mjs";

const frontend = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(frontend, "..");
const dist = join(frontend, "dist");
const artifacts = join(frontend, "test-artifacts");
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TOTAL_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 180_000);
const USER = { username: "admin", password: "correct horse battery" };

const results = [];
const cleanups = [];
let cleaned = false;

async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup: ${err?.message ?? err}`);
    }
  }
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    console.error(`e2e: ${signal}, cleaning up`);
    void cleanup().then(() => process.exit(130));
  });
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

/** m:ss (or h:mm:ss), as the UI shows durations. */
function duration(seconds) {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - started });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, ok: false, ms: Date.now() - started, err });
    console.log(`  ✗ ${name} (${Date.now() - started} ms)\n    ${err?.stack ?? err}`);
    throw err;
  }
}

function build() {
  if (existsSync(join(dist, "index.html")) && !process.env.E2E_BUILD) return;
  console.log("e2e: building the UI");
  const out = spawnSync("npm", ["run", "build"], {
    cwd: frontend,
    stdio: "inherit",
    timeout: 300_000,
  });
  if (out.status !== 0) throw new Error("npm run build failed");
}

async function main() {
  const began = Date.now();
  build();
  mkdirSync(artifacts, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), "trailarr-e2e-"));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const dataDir = join(tmp, "data");
  const clipsDir = join(tmp, "clips");
  mkdirSync(dataDir);
  mkdirSync(clipsDir);

  const small = join(clipsDir, "clip.mp4");
  const wide = join(clipsDir, "clip-wide.mp4");
  const slow = join(clipsDir, "clip-slow.mp4");
  makeClip(small, { size: "320x240", seconds: 2 });
  makeClip(wide, { size: "640x360", seconds: 3 });
  makeClip(slow, { size: "640x360", seconds: 3 });
  // Slow enough that the Activity page shows a download in its stages.
  const clips = await serveFiles([small, wide, slow], { rates: { "clip-slow.mp4": 120_000 } });
  cleanups.push(() => clips.close());

  const apiKey = randomBytes(16).toString("hex");
  const port = await freePort();
  const logPath = join(artifacts, "backend.log");
  writeFileSync(logPath, "");
  const backend = await startBackend({ repo, dataDir, port, apiKey, dist, logPath });
  cleanups.push(() => stopProcess(backend.child));
  const { base } = backend;
  const api = apiClient(base, apiKey);
  console.log(`e2e: backend on ${base} (data in ${dataDir})`);

  // ---- seed through the API ------------------------------------------------------------
  const seeded = {};
  await step("seed profiles, media and real downloads through the API", async () => {
    const existing = await api.get("/api/v1/trailerprofiles");
    for (const p of existing)
      await api.patch(`/api/v1/trailerprofiles/${p.id}`, { min_duration: 0 });
    const mp4 = await api.post("/api/v1/trailerprofiles", {
      name: "E2E MP4",
      priority: 10,
      file_format: "mp4",
      video_format: "copy",
      audio_format: "copy",
      min_duration: 0,
      embed_metadata: false,
    });
    const mkv = await api.post("/api/v1/trailerprofiles", {
      name: "E2E MKV",
      priority: 5,
      file_format: "mkv",
      video_format: "h264",
      audio_format: "aac",
      min_duration: 0,
    });
    seeded.profiles = { mp4, mkv };
    // Every media folder must lie inside a library root (issue 11): one local root for all.
    mkdirSync(join(tmp, "media"));
    await api.post("/api/v1/roots", { path: join(tmp, "media"), is_movie: true, scan: false });
    const media = {};
    for (const [key, title, year, is_movie] of [
      ["alpha", "Alpha Movie", 2001, true],
      ["beta", "Beta Show", 2002, false],
      ["gamma", "Gamma Movie", 2003, true],
      ["delta", "Delta Movie", 2004, true],
    ]) {
      const folder = join(tmp, "media", `${title} (${year})`);
      mkdirSync(folder, { recursive: true });
      media[key] = await api.post("/api/v1/media", { title, year, is_movie, folder_path: folder });
    }
    seeded.media = media;

    async function download(m, profile, url) {
      const before = (await api.get(`/api/v1/media/${m.id}/downloads`)).length;
      await api.post(`/api/v1/media/${m.id}/download`, { profile_id: profile.id, url });
      await waitFor(async () => (await api.get(`/api/v1/media/${m.id}`)).status !== "downloading", {
        timeout: 60_000,
        what: `the download for ${m.title}`,
      });
      const after = await api.get(`/api/v1/media/${m.id}/downloads`);
      if (after.length <= before) {
        const events = await api.get(`/api/v1/media/${m.id}/events`);
        throw new Error(
          `no download recorded for ${m.title}: ${JSON.stringify(events.slice(0, 3))}`,
        );
      }
    }
    await Promise.all([
      download(media.alpha, mp4, clips.url("clip.mp4")),
      download(media.beta, mp4, clips.url("clip-wide.mp4")),
      download(media.gamma, mkv, clips.url("clip.mp4")),
    ]);
    await download(media.alpha, mkv, clips.url("clip-wide.mp4"));
    const history = await api.get("/api/v1/downloads?page_size=100");
    assert(history.total === 4, `expected 4 seeded downloads, the history has ${history.total}`);
  });

  // ---- the browser -----------------------------------------------------------------------
  const profileDir = mkdtempSync(join(tmp, "chromium-"));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
    viewport: { width: 1440, height: 900 },
    timezoneId: "America/New_York",
    locale: "en-US",
  });
  cleanups.push(() => context.close());
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  const consoleLines = [];
  page.on("pageerror", (err) => pageErrors.push(err.message));
  page.on("console", (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
  cleanups.push(() =>
    writeFileSync(join(artifacts, "browser-console.log"), consoleLines.join("\n")),
  );

  try {
    await step("first visit: set up the admin account", async () => {
      await page.goto(`${base}/`);
      await page.waitForURL(/\/setup$/);
      // Only the owner can make the account: the token the backend wrote at start.
      const tokenFile = join(dataDir, "setup_token");
      const setupToken = readFileSync(tokenFile, "utf8").trim();
      assert(setupToken.length >= 32, "the backend wrote a setup token");
      await page.getByLabel("Setup token").fill("not-the-token");
      await page.getByLabel("User name").fill(USER.username);
      await page.getByLabel("Password", { exact: true }).fill("short");
      await page.getByLabel("Repeat password").fill("short");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByText("Use at least 8 characters").waitFor();
      await page.screenshot({ path: join(artifacts, "setup.png") });
      await page.getByLabel("Password", { exact: true }).fill(USER.password);
      await page.getByLabel("Repeat password").fill(USER.password);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByText("Wrong or missing setup token").waitFor();
      await page.getByLabel("Setup token").fill(setupToken);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { name: "Library" }).waitFor();
      assertEqual(new URL(page.url()).pathname, "/", "path after setup");
      assert(!existsSync(tokenFile), "the setup token is deleted once the account exists");
    });

    await step("library lists the media with folder and status", async () => {
      const rows = page.locator("tbody tr[data-media-id]");
      await waitFor(async () => (await rows.count()) === 4, { what: "4 library rows" });
      const titles = await page
        .locator('tbody tr[data-media-id] [data-col="title"]')
        .allInnerTexts();
      assertEqual(titles, ["Alpha Movie", "Beta Show", "Delta Movie", "Gamma Movie"], "titles");
      const delta = page.locator(`tr[data-media-id="${seeded.media.delta.id}"]`);
      const cell = async (row, col) =>
        (await row.locator(`[data-col="${col}"]`).innerText()).trim();
      assertEqual(await cell(delta, "status"), "Missing", "Delta Movie's status");
      assertEqual(await cell(delta, "folder"), seeded.media.delta.folder_path, "Delta's folder");
      const alpha = page.locator(`tr[data-media-id="${seeded.media.alpha.id}"]`);
      assertEqual(await cell(alpha, "status"), "Downloaded", "Alpha Movie has a trailer");
      // One column tells whether the trailer is there (no "Missing" beside "Absent").
      assert(!(await page.locator("table").innerText()).includes("Absent"), "no Absent column");
      // Without a connection nothing has a poster: the neutral placeholder shows.
      assertEqual(await page.locator('tbody [data-poster="none"]').count(), 4, "placeholders");
      await page.getByLabel("Search titles").fill("gam");
      await waitFor(async () => (await rows.count()) === 1, { what: "search to leave one row" });
      assert(page.url().includes("q=gam"), "the search is kept in the URL");
      await page.getByLabel("Search titles").fill("");
      await waitFor(async () => (await rows.count()) === 4, { what: "all rows back" });
      await page.screenshot({ path: join(artifacts, "library.png"), fullPage: true });
    });

    await step("library: bulk monitor, edit a media (422 first), poster grid", async () => {
      const { beta, gamma } = seeded.media;
      await page.getByRole("checkbox", { name: "Select Beta Show" }).check();
      await page.getByRole("checkbox", { name: "Select Gamma Movie" }).check();
      const bar = page.getByRole("region", { name: "Selected media" });
      await bar.getByText("2 selected").waitFor();
      await bar.getByRole("button", { name: "Monitor", exact: true }).click();
      await bar.waitFor({ state: "detached" });
      const monitored = async (m) => (await api.get(`/api/v1/media/${m.id}`)).monitor;
      assert((await monitored(beta)) && (await monitored(gamma)), "both are monitored");
      assert(!(await monitored(seeded.media.delta)), "the others are not");
      const betaRow = page.locator(`tr[data-media-id="${beta.id}"]`);
      await waitFor(
        async () => (await betaRow.locator('[data-col="monitor"]').innerText()).trim() === "Yes",
        { what: "the row to show it monitored" },
      );

      await betaRow.getByRole("button", { name: "Edit Beta Show" }).click();
      const dialog = page.getByRole("dialog", { name: "Edit Beta Show" });
      await dialog.getByLabel("Folder path").fill("/etc");
      await dialog.getByRole("button", { name: "Save" }).click();
      const refusal = dialog.getByRole("alert").first();
      await refusal.waitFor();
      assert((await refusal.innerText()).trim().length > 0, "the server's reason is shown");
      assertEqual(
        (await api.get(`/api/v1/media/${beta.id}`)).folder_path,
        beta.folder_path,
        "kept",
      );
      await page.screenshot({ path: join(artifacts, "library-edit-422.png") });
      await dialog.getByLabel("Folder path").fill(beta.folder_path);
      await dialog.getByLabel("Title").fill("Beta Show Renamed");
      await dialog.getByLabel("Trailer").fill("dQw4w9WgXcQ");
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "detached" });
      const saved = await api.get(`/api/v1/media/${beta.id}`);
      assertEqual(
        [saved.title, saved.youtube_trailer_id, saved.monitor],
        ["Beta Show Renamed", "dQw4w9WgXcQ", true],
        "the edited media",
      );
      await page.getByRole("link", { name: "Beta Show Renamed" }).waitFor();

      await page.getByRole("button", { name: "Posters" }).click();
      const cards = page.locator(".poster-grid li[data-media-id]");
      await waitFor(async () => (await cards.count()) === 4, { what: "4 poster cards" });
      await page.screenshot({ path: join(artifacts, "library-grid.png"), fullPage: true });
      await page.reload();
      await cards.first().waitFor();
      await page.getByRole("button", { name: "Table" }).click();
      await page.locator("tbody tr[data-media-id]").first().waitFor();
    });

    await step("log out, then sign in again", async () => {
      await page.getByRole("button", { name: "Log out" }).click();
      await page.waitForURL(/\/login/);
      await page.getByLabel("User name").fill(USER.username);
      await page.getByLabel("Password").fill("wrong password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Wrong user name or password").waitFor();
      await page.getByLabel("Password").fill(USER.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Library" }).waitFor();
    });

    await step("a media's downloads show the API's values, newest first", async () => {
      const alpha = seeded.media.alpha;
      await page.getByRole("link", { name: "Alpha Movie" }).click();
      await page.waitForURL(new RegExp(`/media/${alpha.id}$`));
      const records = await api.get(`/api/v1/media/${alpha.id}/downloads`);
      assertEqual(records.length, 2, "Alpha's download count");
      const rows = page.locator(".downloads-table tbody tr");
      await waitFor(async () => (await rows.count()) === records.length, { what: "Alpha's rows" });
      const ids = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.downloadId)));
      assertEqual(
        ids,
        records.map((r) => r.id),
        "row order (newest first)",
      );
      const names = { [seeded.profiles.mp4.id]: "E2E MP4", [seeded.profiles.mkv.id]: "E2E MKV" };
      for (const r of records) {
        const row = page.locator(`.downloads-table tr[data-download-id="${r.id}"]`);
        const text = async (col) => (await row.locator(`[data-col="${col}"]`).innerText()).trim();
        assertEqual(await text("file_name"), r.file_name, `file name of #${r.id}`);
        assertEqual(await text("resolution"), r.resolution, `resolution of #${r.id}`);
        assertEqual(await text("video_format"), r.video_format, `video codec of #${r.id}`);
        assertEqual(await text("audio_format"), r.audio_format, `audio codec of #${r.id}`);
        assertEqual(await text("duration"), duration(r.duration), `duration of #${r.id}`);
        assertEqual(
          await row.locator('[data-col="size"]').getAttribute("title"),
          `${r.size} bytes`,
          `size of #${r.id}`,
        );
        assert(
          /^\d+(\.\d)? (B|KB|MB)$/.test(await text("size")),
          `size of #${r.id} reads as a size`,
        );
        assertEqual(
          await row.locator('[data-col="added_at"] time').getAttribute("datetime"),
          r.added_at,
          `date of #${r.id}`,
        );
        assertEqual(await text("profile"), names[r.profile_id], `profile of #${r.id}`);
        const state = await text("state");
        if (r.file_exists) assertEqual(state, "Present", `state of #${r.id}`);
        else assert(state.startsWith("Deleted"), `state of #${r.id} is "${state}"`);
        if (r.source_url) {
          assertEqual(
            await row.locator('[data-col="source"] a').getAttribute("href"),
            r.source_url,
            `source of #${r.id}`,
          );
        }
      }
      // The date is shown in the browser's time zone (America/New_York here).
      const first = records[0];
      const expected = new Intl.DateTimeFormat("en-US", {
        year: "numeric",
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        timeZone: "America/New_York",
      }).format(new Date(first.added_at));
      assertEqual(
        (
          await page.locator(`tr[data-download-id="${first.id}"] [data-col="added_at"]`).innerText()
        ).trim(),
        expected,
        "date in the viewer's time zone",
      );
      // At 1440 px every row's actions are inside the table's panel, none cut off.
      const wrap = await page.locator(".downloads-table").locator("xpath=..").boundingBox();
      for (const r of records) {
        const row = page.locator(`.downloads-table tr[data-download-id="${r.id}"]`);
        const box = await row.locator(".cell-actions .btn").last().boundingBox();
        assert(
          box.x >= wrap.x && box.x + box.width <= wrap.x + wrap.width + 0.5,
          `the last action of #${r.id} lies inside the panel: ${JSON.stringify([box, wrap])}`,
        );
      }
      await page.getByRole("heading", { name: "Events" }).waitFor();
      await page.locator(".events-table tbody tr").first().waitFor();
      await page.locator("#downloads-heading").scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(artifacts, "media-downloads.png"), fullPage: true });
    });

    await step("history pages and sorts on the server", async () => {
      const ids = () =>
        page
          .locator(".history-table tbody tr")
          .evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.downloadId)));
      const apiIds = async (q) =>
        (await api.get(`/api/v1/downloads?${q}`)).records.map((r) => r.id);
      await page.getByRole("link", { name: "History" }).click();
      await page.waitForURL(/\/history/);
      await page.goto(`${base}/history?size=2`);
      const expectedFirst = await apiIds("page=1&page_size=2&sort=added_at&order=desc");
      await waitFor(async () => JSON.stringify(await ids()) === JSON.stringify(expectedFirst), {
        what: "page 1 of the history",
      });
      await page.getByText("1–2 of 4").waitFor();
      const dateHeader = page.getByRole("columnheader", { name: /Downloaded/ });
      assertEqual(await dateHeader.getAttribute("aria-sort"), "descending", "default sort");

      await page.getByRole("button", { name: "Next page" }).click();
      const expectedSecond = await apiIds("page=2&page_size=2&sort=added_at&order=desc");
      await waitFor(async () => JSON.stringify(await ids()) === JSON.stringify(expectedSecond), {
        what: "page 2 of the history",
      });
      await page.getByText("3–4 of 4").waitFor();

      const sizeHeader = page.getByRole("columnheader", { name: /Size/ });
      await sizeHeader.getByRole("button").click();
      await waitFor(async () => (await sizeHeader.getAttribute("aria-sort")) === "descending", {
        what: "size sorted descending",
      });
      assertEqual(
        await dateHeader.getAttribute("aria-sort"),
        "none",
        "date header after sorting by size",
      );
      const bySizeDesc = await apiIds("page=1&page_size=2&sort=size&order=desc");
      await waitFor(async () => JSON.stringify(await ids()) === JSON.stringify(bySizeDesc), {
        what: "largest first, back on page 1",
      });
      await sizeHeader.getByRole("button").click();
      await waitFor(async () => (await sizeHeader.getAttribute("aria-sort")) === "ascending", {
        what: "size sorted ascending",
      });
      const bySizeAsc = await apiIds("page=1&page_size=2&sort=size&order=asc");
      await waitFor(async () => JSON.stringify(await ids()) === JSON.stringify(bySizeAsc), {
        what: "smallest first",
      });
      const sizes = await page
        .locator('.history-table tbody [data-col="size"]')
        .evaluateAll((tds) => tds.map((td) => Number.parseInt(td.getAttribute("title"), 10)));
      assert(sizes[0] <= sizes[1], `sizes ascend: ${sizes}`);

      await page.getByLabel("Video codec").selectOption("h264");
      assert(page.url().includes("video_format=h264"), "the filter is kept in the URL");
      const exportLink = page.getByRole("link", { name: "Export CSV" });
      const csv = await waitFor(
        async () => {
          const href = await exportLink.getAttribute("href");
          return href?.includes("video_format=h264") ? href : null;
        },
        { what: "the export link to carry the filter" },
      );
      const csvUrl = new URL(csv, base);
      assertEqual(
        [
          csvUrl.pathname,
          csvUrl.searchParams.get("format"),
          csvUrl.searchParams.get("video_format"),
          csvUrl.searchParams.get("sort"),
          csvUrl.searchParams.get("order"),
        ],
        ["/api/v1/downloads/export", "csv", "h264", "size", "asc"],
        "export link",
      );
      const exported = await page.evaluate(async (href) => {
        const res = await fetch(href);
        return {
          status: res.status,
          type: res.headers.get("content-type"),
          body: await res.text(),
        };
      }, csv);
      assertEqual(exported.status, 200, "export status");
      assert(exported.body.split("\n").length >= 2, "the CSV has a header and rows");
      await page.getByRole("button", { name: "Clear filters" }).click();
      await waitFor(async () => (await ids()).length === 2, { what: "unfiltered rows" });
      await page.screenshot({ path: join(artifacts, "history.png"), fullPage: true });
      const firstRow = page.locator(".history-table tbody tr").first();
      const mediaId = (
        await api.get(`/api/v1/downloads/${await firstRow.getAttribute("data-download-id")}`)
      ).media_id;
      await firstRow.locator('[data-col="media"] a').click();
      await page.waitForURL(new RegExp(`/media/${mediaId}$`));
    });

    await step("download from a local URL on the media page, with live progress", async () => {
      const delta = seeded.media.delta;
      await page.goto(`${base}/media/${delta.id}`);
      await page.getByText("No trailer has been downloaded for this item yet.").waitFor();
      await page.locator(".live-dot.live-on").waitFor({ timeout: 10_000 });
      await page.getByLabel("Profile").selectOption({ label: "E2E MKV" });
      await page.getByLabel("Source URL (optional)").fill(clips.url("clip.mp4"));
      await page.getByRole("button", { name: "Download trailer" }).click();
      // The progress bar shows while it runs (unless it ends before the next frame).
      await page.locator('[role="progressbar"], .live-result').first().waitFor();
      const result = page.locator(".live-result");
      await result.waitFor({ timeout: 60_000 });
      const text = await result.innerText();
      assert(text.startsWith("✔"), `the download ended with: ${text}`);
      const live = await page.locator(".live-log li").allInnerTexts();
      assert(
        live.some(
          (line) => line.startsWith("Info") && line.includes("Downloading trailer for Delta Movie"),
        ),
        `live messages came over the websocket: ${JSON.stringify(live)}`,
      );
      const rows = page.locator(".downloads-table tbody tr");
      await waitFor(async () => (await rows.count()) === 1, { what: "the new download row" });
      const [record] = await api.get(`/api/v1/media/${delta.id}/downloads`);
      assertEqual(
        Number(await rows.first().getAttribute("data-download-id")),
        record.id,
        "the new row is the API's record",
      );
      assertEqual(
        (await rows.first().locator('[data-col="profile"]').innerText()).trim(),
        "E2E MKV",
        "the new row's profile",
      );
      await page.getByRole("cell", { name: "Present" }).waitFor();
      const status = (await api.get(`/api/v1/media/${delta.id}`)).status;
      assertEqual(status, "downloaded", "media status after the download");
      await page.screenshot({ path: join(artifacts, "media-new-download.png"), fullPage: true });
    });

    await step("a second download from the same profile asks, then replaces", async () => {
      const delta = seeded.media.delta;
      const [before] = await api.get(`/api/v1/media/${delta.id}/downloads`);
      await page.getByLabel("Profile").selectOption({ label: "E2E MKV" });
      await page.getByLabel("Source URL (optional)").fill(clips.url("clip-wide.mp4"));
      await page.getByRole("button", { name: "Download trailer" }).click();
      const question = page.getByRole("group", { name: "A trailer from this profile exists" });
      await question.waitFor();
      assert(
        (await question.innerText()).includes(before.file_name),
        "the question names the file",
      );
      await question.getByRole("button", { name: "Replace it" }).click();
      await waitFor(
        async () => {
          const records = await api.get(`/api/v1/media/${delta.id}/downloads`);
          return records.length === 2 && records.some((r) => r.deleted_reason === "replaced");
        },
        { what: "the new trailer to replace the old one", timeout: 60_000 },
      );
      const records = await api.get(`/api/v1/media/${delta.id}/downloads`);
      const present = records.filter((r) => r.file_exists);
      assertEqual(present.length, 1, "one present trailer from the profile");
      assertEqual(present[0].resolution, "640x360", "the new one");
      assertEqual(
        records.find((r) => r.id === before.id).deleted_reason,
        "replaced",
        "the old record is marked replaced",
      );
    });

    await step("delete a trailer (confirmed), then re-download it with replace", async () => {
      const gamma = seeded.media.gamma;
      await page.goto(`${base}/media/${gamma.id}`);
      const [record] = await api.get(`/api/v1/media/${gamma.id}/downloads`);
      const row = page.locator(`.downloads-table tr[data-download-id="${record.id}"]`);
      await row.getByRole("button", { name: `Delete ${record.file_name}` }).click();
      const dialog = page.getByRole("dialog", { name: "Delete trailer" });
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "detached" });
      assert(
        (await api.get(`/api/v1/downloads/${record.id}`)).file_exists,
        "cancel keeps the file",
      );
      await row.getByRole("button", { name: `Delete ${record.file_name}` }).click();
      await dialog.getByRole("button", { name: "Delete", exact: true }).click();
      await dialog.waitFor({ state: "detached" });
      await waitFor(
        async () =>
          (await row.locator('[data-col="state"]').innerText()).trim() ===
          "Deleted: deleted by user",
        { what: "the row marked deleted by user" },
      );
      const deleted = await api.get(`/api/v1/downloads/${record.id}`);
      assertEqual(
        [deleted.file_exists, deleted.deleted_reason],
        [false, "deleted_by_user"],
        "record after delete",
      );

      await row.getByRole("button", { name: `Re-download ${record.file_name}` }).click();
      const again = page.getByRole("dialog", { name: "Re-download trailer" });
      await again.getByLabel("Replace the current trailer").check();
      await again.getByRole("button", { name: "Re-download" }).click();
      await again.waitFor({ state: "detached" });
      await page.locator(".live-result").waitFor({ timeout: 60_000 });
      const result = await page.locator(".live-result").innerText();
      assert(result.startsWith("✔"), `the re-download ended with: ${result}`);
      const rows = page.locator(".downloads-table tbody tr");
      await waitFor(async () => (await rows.count()) === 2, { what: "the re-downloaded row" });
      const records = await api.get(`/api/v1/media/${gamma.id}/downloads`);
      assertEqual(
        await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.downloadId))),
        records.map((r) => r.id),
        "rows after the re-download",
      );
      assert(records[0].file_exists, "the new download is present");
    });

    await step("profiles: the server's 422 shows at the field", async () => {
      await page.getByRole("link", { name: "Profiles" }).click();
      await page.getByRole("heading", { name: "Trailer profiles" }).waitFor();
      await page.getByRole("button", { name: "New profile" }).click();
      const dialog = page.getByRole("dialog", { name: "New profile" });
      await dialog.getByLabel("Name", { exact: true }).fill("Broken");
      await dialog.getByLabel("Max duration (s)").fill("0");
      await dialog.getByRole("button", { name: "Create profile" }).click();
      const field = dialog.getByLabel("Max duration (s)");
      await waitFor(async () => (await field.getAttribute("aria-invalid")) === "true", {
        what: "max_duration marked invalid",
      });
      const describedBy = await field.getAttribute("aria-describedby");
      const message = await page.locator(`[id="${describedBy.split(" ")[0]}"]`).innerText();
      assert(message.length > 0, "a message under Max duration");
      await field.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(artifacts, "profile-422.png") });
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "detached" });
      const names = await page.locator("tbody tr[data-profile-id] td:first-child").allInnerTexts();
      assert(!names.includes("Broken"), "the broken profile was not created");
    });

    await step("system: a task's schedule is saved, and a task runs on request", async () => {
      await page.getByRole("link", { name: "System" }).click();
      await page.waitForURL(/\/system$/);
      await page
        .getByRole("navigation", { name: "System sections" })
        .getByRole("link", { name: "Tasks" })
        .click();
      await page.waitForURL(/\/system\/tasks$/);
      const interval = page.getByLabel("Interval of backfill");
      await interval.waitFor();
      assertEqual(await interval.inputValue(), "1440", "backfill runs daily by default");
      await interval.selectOption("360");
      await waitFor(
        async () => (await api.get("/api/v1/tasks/backfill")).interval_minutes === 360,
        {
          what: "the new interval stored",
        },
      );
      await page.reload();
      await waitFor(
        async () => (await page.getByLabel("Interval of backfill").inputValue()) === "360",
        {
          what: "the interval shown after a reload",
        },
      );
      const before = (await api.get("/api/v1/tasks/reconcile")).last_started_at;
      await page.getByRole("button", { name: "Run reconcile now" }).click();
      await waitFor(
        async () => {
          const state = await api.get("/api/v1/tasks/reconcile");
          return !state.running && state.last_started_at !== before && state.last_error === null;
        },
        { what: "the reconcile run to end" },
      );
      const row = page.locator('tr[data-task="reconcile"]');
      await waitFor(async () => !(await row.getByRole("status").count()), {
        what: "the row to show the run ended",
      });
      // At 1440 px every column is inside the panel, none cut off under the actions.
      const wrap = await page.locator(".tasks-table").locator("xpath=..").boundingBox();
      const next = await row.locator('[data-col="next_run"]').boundingBox();
      const action = await row.getByRole("button", { name: "Run reconcile now" }).boundingBox();
      assert(
        next.x + next.width <= action.x && action.x + action.width <= wrap.x + wrap.width + 0.5,
        `the next run and the action lie side by side in the panel: ${JSON.stringify([next, action, wrap])}`,
      );
      await page.screenshot({ path: join(artifacts, "system-tasks.png"), fullPage: true });
    });

    await step("stats and settings pages", async () => {
      await page.getByRole("link", { name: "Stats" }).click();
      const resolutions = page.getByRole("figure", { name: "Resolutions" });
      await resolutions.waitFor();
      const stats = await api.get("/api/v1/downloads/stats");
      const bars = await resolutions.locator(".bar-row").count();
      assertEqual(bars, stats.by_resolution.length, "resolution bars");
      await page.getByText(`${stats.media_without_trailer}`, { exact: true }).first().waitFor();
      await page.screenshot({ path: join(artifacts, "stats.png"), fullPage: true });

      await page.getByRole("link", { name: "Settings" }).click();
      const key = page.locator("input#api-key");
      await key.waitFor();
      assertEqual(await key.inputValue(), apiKey, "API key shown");
      assertEqual(await key.getAttribute("type"), "password", "the key is hidden at first");
      await page.getByRole("button", { name: "Show", exact: true }).click();
      assertEqual(await key.getAttribute("type"), "text", "the key shows on request");
      assert(
        await page.getByRole("button", { name: "Regenerate" }).isDisabled(),
        "regenerate is off for an env key",
      );
      await page.getByText("APP_API_KEY", { exact: true }).waitFor();
      await page.screenshot({ path: join(artifacts, "settings.png") });
    });

    await step("settings: change the password, then sign out of all sessions", async () => {
      const newPassword = "a brand new password";
      const panel = page.getByRole("region", { name: "Password" });
      await panel.getByLabel("Current password", { exact: true }).fill("not my password");
      await panel.getByLabel("New password", { exact: true }).fill(newPassword);
      await panel.getByLabel("Repeat new password").fill(newPassword);
      await panel.getByRole("button", { name: "Change password" }).click();
      await panel.getByText("The current password is wrong").waitFor();
      await panel.getByLabel("Current password").fill(USER.password);
      await panel.getByRole("button", { name: "Change password" }).click();
      await panel.getByText("The password is changed").waitFor();
      USER.password = newPassword;

      await page.getByRole("button", { name: "Sign out of all sessions" }).click();
      await page.getByRole("button", { name: "Sign out everywhere" }).click();
      await page.waitForURL(/\/login/);
      await page.getByLabel("User name").fill(USER.username);
      await page.getByLabel("Password").fill(USER.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Settings" }).waitFor();
    });

    await step("add a media item from the library, with a field error first", async () => {
      await page.getByRole("link", { name: "Library" }).click();
      await page.getByRole("button", { name: "Add media" }).click();
      const dialog = page.getByRole("dialog", { name: "Add media" });
      await dialog.getByLabel("Title").fill("Epsilon Film");
      await dialog.getByLabel("Year").fill("1700");
      await dialog.getByLabel("Folder path").fill(join(tmp, "media", "Epsilon Film"));
      await dialog.getByRole("button", { name: "Add media" }).click();
      const year = dialog.getByLabel("Year");
      await waitFor(async () => (await year.getAttribute("aria-invalid")) === "true", {
        what: "the server's 422 at the year",
      });
      await year.fill("2005");
      await dialog.getByRole("button", { name: "Add media" }).click();
      await page.getByRole("heading", { name: /Epsilon Film/ }).waitFor();
      const created = (await api.get("/api/v1/media?search=Epsilon")).records;
      assertEqual(
        created.map((m) => [m.title, m.year, m.status]),
        [["Epsilon Film", 2005, "missing"]],
        "the new media",
      );
      assert(page.url().endsWith(`/media/${created[0].id}`), "the page of the new media opens");
    });

    await statusScenario({ page, base, api, repo, tmp, artifacts, step, cleanups });
    await logsScenario({ page, base, api, repo, tmp, artifacts, step, cleanups });
    await backupScenario({ page, base, api, repo, tmp, artifacts, step, cleanups });
    await connectionsScenario({ page, base, api, repo, tmp, artifacts, step, cleanups });
    await connectScenario({ page, base, api, repo, tmp, artifacts, step, cleanups });

    await step(
      "wanted: a monitored media's trailer is wanted, then arrives and leaves the list",
      async () => {
        const folder = join(tmp, "media", "Epsilon Wanted (2005)");
        mkdirSync(folder, { recursive: true });
        const epsilon = await api.post("/api/v1/media", {
          title: "Epsilon Wanted",
          year: 2005,
          is_movie: true,
          folder_path: folder,
          monitor: true,
          trailer_url: clips.url("clip.mp4"),
        });
        await page.setViewportSize({ width: 1440, height: 900 });
        await page.getByRole("link", { name: "Wanted" }).click();
        await page.waitForURL(/\/wanted/);
        const name = `Search now for Epsilon Wanted with ${seeded.profiles.mp4.name}`;
        const button = page.getByRole("button", { name });
        await button.waitFor();
        const row = page.locator(`tr[data-wanted="${epsilon.id}:${seeded.profiles.mp4.id}"]`);
        assert((await row.innerText()).includes("Saved URL"), "the saved URL is the source");
        await button.click();
        // The download ends; the live message makes the page read the list again.
        await waitFor(async () => (await row.count()) === 0, {
          what: "the row to leave the list once the trailer arrived",
          timeout: 60_000,
        });
        const records = await api.get(`/api/v1/media/${epsilon.id}/downloads`);
        assertEqual(records.length, 1, "one trailer recorded");
        assertEqual(records[0].profile_id, seeded.profiles.mp4.id, "from the chosen profile");
        const wanted = await api.get("/api/v1/wanted?page_size=500");
        assert(
          !wanted.records.some(
            (r) => r.media_id === epsilon.id && r.profile_id === seeded.profiles.mp4.id,
          ),
          "the pair is no longer wanted",
        );
        await page.screenshot({ path: join(artifacts, "wanted.png"), fullPage: true });
      },
    );

    await step(
      "activity: monitoring media starts the engine; its downloads move through their stages, and Wanted empties",
      async () => {
        // The synced Radarr/Sonarr media are monitored too, and their YouTube trailers cannot
        // be reached here: stop monitoring them and cancel what the engine queued for them.
        const all = await api.get("/api/v1/media?page_size=500");
        await api.post("/api/v1/media/bulk", {
          ids: all.records.map((m) => m.id),
          monitor: false,
        });
        for (const item of await api.get("/api/v1/queue")) {
          await api.delete(`/api/v1/queue/${item.id}`).catch(() => undefined);
        }
        const added = [];
        for (const [title, year] of [
          ["Zeta Queue", 2006],
          ["Eta Queue", 2007],
        ]) {
          const folder = join(tmp, "media", `${title} (${year})`);
          mkdirSync(folder, { recursive: true });
          added.push(
            await api.post("/api/v1/media", {
              title,
              year,
              is_movie: true,
              folder_path: folder,
              trailer_url: clips.url("clip-slow.mp4"),
            }),
          );
        }
        const nav = page.getByRole("navigation", { name: "Main" });
        await nav.getByRole("link", { name: "Activity", exact: true }).click();
        await page.waitForURL(/\/activity/);
        // Monitoring is all it takes (DOWNLOAD_ON_MONITOR): no task is started by hand.
        for (const m of added) await api.patch(`/api/v1/media/${m.id}`, { monitor: true });
        const wanted = await api.get("/api/v1/wanted?page_size=500");
        for (const m of added) {
          assert(
            wanted.records.some((r) => r.media_id === m.id),
            `${m.title} is wanted once monitored`,
          );
        }
        // Watch the page (not the API) until the queue has been worked off.
        const stages = new Set();
        let determinate = false;
        let shot = false;
        let seen = false;
        await waitFor(
          async () => {
            const rows = page.locator(".queue-table tbody tr");
            const count = await rows.count();
            if (count > 0) seen = true;
            for (const stage of await page
              .locator(".queue-table [data-stage]")
              .evaluateAll((els) => els.map((el) => el.getAttribute("data-stage")))) {
              stages.add(stage);
            }
            const values = await page
              .locator('.queue-table [role="progressbar"]')
              .evaluateAll((els) => els.map((el) => el.getAttribute("aria-valuenow")));
            if (values.some((value) => value !== null)) determinate = true;
            if (!shot && stages.has("downloading") && count > 1) {
              shot = true;
              await page.screenshot({ path: join(artifacts, "activity.png"), fullPage: true });
            }
            if (!seen || count > 0) return false;
            // The queue can be empty for a moment between two runs of download_missing: a
            // media monitored while a run waits for its downloads is queued by the next run.
            for (const m of added) {
              if ((await api.get(`/api/v1/media/${m.id}/downloads`)).length === 0) return false;
            }
            return true;
          },
          { what: "the queue to be worked off", timeout: 120_000, interval: 100 },
        );
        assert(stages.has("queued"), `waiting downloads show as queued: ${[...stages]}`);
        assert(stages.has("downloading"), `a download shows its stage: ${[...stages]}`);
        assert(determinate, "a progress bar showed how far a stage was");
        await page.getByText(/Nothing is downloading/).waitFor();
        for (const m of added) {
          const records = await api.get(`/api/v1/media/${m.id}/downloads`);
          assert(records.length >= 1, `a trailer arrived for ${m.title}`);
        }
        await nav.getByRole("link", { name: "Wanted", exact: true }).click();
        await page.waitForURL(/\/wanted/);
        const ids = added.map((m) => m.id);
        await waitFor(
          async () =>
            (await page
              .locator("tr[data-wanted]")
              .evaluateAll(
                (rows, wantedIds) =>
                  rows.filter((row) =>
                    wantedIds.includes(Number(row.getAttribute("data-wanted").split(":")[0])),
                  ).length,
                ids,
              )) === 0,
          { what: "the new media to leave the Wanted list" },
        );
        const after = await api.get("/api/v1/wanted?page_size=500");
        assert(!after.records.some((r) => ids.includes(r.media_id)), "nothing of them is wanted");
      },
    );

    await step("phone width: the navigation folds into a menu", async () => {
      await page.setViewportSize({ width: 390, height: 800 });
      await page.goto(`${base}/history`);
      const nav = page.getByRole("navigation", { name: "Main" });
      const menu = page.getByRole("button", { name: "Open menu" });
      await menu.waitFor();
      assert(!(await nav.isVisible()), "the navigation is folded");
      await menu.click();
      await nav.getByRole("link", { name: "Stats" }).click();
      await page.waitForURL(/\/stats$/);
      await waitFor(async () => !(await nav.isVisible()), {
        what: "the menu to close after navigating",
      });
      await page.screenshot({ path: join(artifacts, "phone-stats.png"), fullPage: true });

      // The History filters fold behind a button, so the table is on the first screen.
      await page.goto(`${base}/history`);
      const codec = page.getByLabel("Video codec");
      const filters = page.getByRole("button", { name: "Filters" });
      await filters.waitFor();
      assert(!(await codec.isVisible()), "the filters are folded on a phone");
      await page.locator(".history-table").waitFor();
      const table = await page.locator(".history-table").boundingBox();
      assert(table.y < 800, `the history table starts on the first screen (y=${table.y})`);
      await filters.click();
      await codec.waitFor();
      await page.screenshot({ path: join(artifacts, "phone-history.png") });

      // The profiles' actions stay on screen.
      await page.goto(`${base}/profiles`);
      const edit = page
        .locator("tbody tr[data-profile-id]")
        .first()
        .getByRole("button", {
          name: /^Edit /,
        });
      await edit.waitFor();
      const box = await edit.boundingBox();
      assert(box.x >= 0 && box.x + box.width <= 390, `Edit is on screen: ${JSON.stringify(box)}`);
      await page.screenshot({ path: join(artifacts, "phone-profiles.png") });
    });

    await step("no uncaught errors in the page", async () => {
      assertEqual(pageErrors, [], "page errors");
    });
  } catch (err) {
    try {
      await page.screenshot({ path: join(artifacts, "failure.png"), fullPage: true });
    } catch {
      // the page may be gone
    }
    throw err;
  } finally {
    console.log(`e2e: ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }
}

const watchdog = setTimeout(() => {
  console.error(`e2e: gave up after ${TOTAL_TIMEOUT_MS / 1000} s`);
  void cleanup().then(() => process.exit(1));
}, TOTAL_TIMEOUT_MS);

let failed = false;
try {
  await main();
} catch (err) {
  failed = true;
  if (!results.some((r) => !r.ok)) console.error(`e2e: ${err?.stack ?? err}`);
  const log = join(artifacts, "backend.log");
  if (existsSync(log)) {
    const tail = readFileSync(log, "utf8").split("\n").slice(-40).join("\n");
    console.error(`--- backend log (last lines) ---\n${tail}`);
  }
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
const passed = results.filter((r) => r.ok).length;
const failedCount = results.length - passed + (failed && results.every((r) => r.ok) ? 1 : 0);
console.log(`e2e: ${passed} passed, ${failedCount} failed`);
process.exit(failed ? 1 : 0);
