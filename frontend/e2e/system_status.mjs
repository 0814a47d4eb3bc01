// End-to-end scenario: System → Status, against the real backend of the run.
//
// Opens System from the sidebar (Status is its index) and checks the page against the API:
// the version is GET /status's, the yt-dlp version and the database engine are those of
// GET /api/v1/system/status, and the disk space table lists every library root of the run
// with its free space. Screenshot: system-status.png.
import { join } from "node:path";
import { waitFor } from "./support.mjs";

const ENGINES = { sqlite: "SQLite", postgresql: "PostgreSQL" };

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

/**
 * The scenario; `ctx` comes from run.mjs: the page, the backend's base URL, an API client
 * with the key, the artifacts dir and run.mjs's `step`.
 */
export async function statusScenario({ page, base, api, artifacts, step }) {
  await step(
    "system: Status shows the versions, the database and each root's free space",
    async () => {
      const liveness = await (await fetch(`${base}/status`)).json();
      const status = await api.get("/api/v1/system/status");
      const roots = await api.get("/api/v1/roots");
      assert(roots.length > 0, "the run has library roots");

      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "System", exact: true })
        .click();
      await page.waitForURL(/\/system$/);
      const sections = page.getByRole("navigation", { name: "System sections" });
      await sections.getByRole("link", { name: "Tasks" }).click();
      await page.waitForURL(/\/system\/tasks$/);
      await sections.getByRole("link", { name: "Status" }).click();
      await page.waitForURL(/\/system$/);

      const fact = async (id) => (await page.locator(`[data-fact="${id}"] dd`).innerText()).trim();
      await page.getByRole("region", { name: "About" }).waitFor();
      assertEqual(await fact("version"), liveness.version, "the version shown");
      assertEqual(await fact("ytdlp"), status.about.ytdlp_version, "the yt-dlp version shown");
      assertEqual(
        await fact("database"),
        ENGINES[status.about.database_engine],
        "the database engine shown",
      );
      assertEqual(await fact("ffmpeg"), status.about.ffmpeg_version, "the ffmpeg version shown");

      const checks = page.locator(".health-list li[data-check]");
      await waitFor(async () => (await checks.count()) === status.health.length, {
        what: `${status.health.length} health checks`,
      });

      for (const root of roots) {
        const row = page.locator(`.disk-table tr[data-path="${root.path}"]`);
        await row.waitFor();
        const free = row.locator('[data-col="free"]');
        const bytes = Number.parseInt((await free.getAttribute("title")) ?? "", 10);
        assert(bytes > 0, `${root.path} shows its free space in bytes: ${bytes}`);
        assert(
          /^\d+(\.\d)? (B|KB|MB|GB|TB|PB)$/.test((await free.innerText()).trim()),
          `${root.path}'s free space reads as a size`,
        );
        await row.getByRole("meter").waitFor();
      }
      await page.screenshot({ path: join(artifacts, "system-status.png"), fullPage: true });
    },
  );
}
