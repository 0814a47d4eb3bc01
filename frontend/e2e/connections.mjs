// End-to-end scenario: Radarr and Sonarr connections, from Settings to the Library.
//
// Starts the stand-in Radarr (3 movies) and Sonarr (2 series) of tests/utils/arr_standin.py,
// which report their folders as /e2e-arr/... (as seen inside their containers); a path
// mapping in the connection turns those into folders that exist under the run's temp dir.
// In Chromium: add the Radarr connection (a wrong key first: the test and the save show
// why), see "Radarr 5.x, 1 root folder", press Refresh, find every movie in the Library
// with its poster and mapped folder, edit one; then the same, lighter, for Sonarr.
// The stand-ins are stopped at the end, also on failure.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startProgram, stopProcess, waitFor } from "./support.mjs";

const STANDIN_KEY = "e2e-standin-key-0123456789";

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Start the stand-in app; resolves with it (its child and base URL) once it printed its port. */
function startStandin({ repo, app, items, root }) {
  return startProgram({
    repo,
    module: "tests.utils.arr_standin",
    args: [
      ...["--app", app, "--port", "0", "--items", String(items)],
      ...["--root", root, "--api-key", STANDIN_KEY],
    ],
    what: `the stand-in ${app}`,
  });
}

/** The stand-in's items (movies or series), as the app serves them. */
async function standinItems(url, app) {
  const res = await fetch(`${url}/api/v3/${app === "radarr" ? "movie" : "series"}`, {
    headers: { "X-Api-Key": STANDIN_KEY },
  });
  assert(res.ok, `the stand-in ${app} lists its items (${res.status})`);
  return res.json();
}

/** Fill the Add connection dialog (it stays open). */
async function fillConnection(dialog, { name, type, url, key, monitor, mapping }) {
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByLabel("Type", { exact: true }).selectOption(type);
  await dialog.getByLabel("URL", { exact: true }).fill(url);
  await dialog.getByLabel("API key").fill(key);
  await dialog.getByLabel(monitor, { exact: true }).check();
  if (mapping) {
    await dialog.getByRole("button", { name: "Add path mapping" }).click();
    const label = type === "radarr" ? "Radarr" : "Sonarr";
    await dialog.getByLabel(`${label} folder 1`).fill(mapping.from);
    await dialog.getByLabel("Folder here 1").fill(mapping.to);
  }
}

/** Every library row of `items` shows its poster (a decoded image) and mapped folder. */
async function expectInLibrary(page, base, api, items, folderOf, what) {
  await page.getByRole("link", { name: "Library" }).click();
  await page.getByRole("heading", { name: "Library" }).waitFor();
  const media = await waitFor(
    async () => {
      const all = (await api.get("/api/v1/media?page_size=100")).records;
      const found = items.map((item) => all.find((m) => m.folder_path === folderOf(item)));
      return found.every(Boolean) ? found : null;
    },
    { timeout: 30_000, what: `every ${what} synced into media` },
  );
  for (const m of media) {
    const row = page.locator(`[data-media-id="${m.id}"]`).first();
    await waitFor(
      async () => {
        if (await row.isVisible()) return true;
        await page.reload(); // the sync ended after the page loaded its list
        await page.getByRole("heading", { name: "Library" }).waitFor();
        return false;
      },
      { timeout: 20_000, interval: 1_000, what: `${m.title} in the Library` },
    );
    const text = await row.innerText();
    assert(text.includes(m.title), `${m.title}'s row shows its title: ${text}`);
    assert(text.includes(m.folder_path), `${m.title}'s row shows its folder ${m.folder_path}`);
    const poster = row.locator('img[data-poster="image"], img').first();
    await poster.scrollIntoViewIfNeeded();
    await waitFor(() => poster.evaluate((img) => img.complete && img.naturalWidth > 0), {
      timeout: 15_000,
      what: `${m.title}'s poster to load`,
    });
  }
  return media;
}

/**
 * The scenario; `ctx` comes from run.mjs: the page, the backend's base URL, an API client
 * with the key, the repo root, a temp dir, the artifacts dir, run.mjs's `step` and its
 * `cleanups` (run on exit, Ctrl-C and the watchdog too).
 */
export async function connectionsScenario({
  page,
  base,
  api,
  repo,
  tmp,
  artifacts,
  step,
  cleanups,
}) {
  const standins = [];
  const moviesHere = join(tmp, "arr", "movies");
  const seriesHere = join(tmp, "arr", "series");
  try {
    const radarr = await startStandin({ repo, app: "radarr", items: 3, root: "/e2e-arr/movies" });
    standins.push(radarr.child);
    cleanups.push(() => stopProcess(radarr.child)); // also on Ctrl-C or the watchdog
    const sonarr = await startStandin({ repo, app: "sonarr", items: 2, root: "/e2e-arr/tv" });
    standins.push(sonarr.child);
    cleanups.push(() => stopProcess(sonarr.child));
    const movies = await standinItems(radarr.url, "radarr");
    const series = await standinItems(sonarr.url, "sonarr");
    assert(movies.length === 3 && series.length === 2, "the stand-ins serve 3 movies, 2 series");
    const movieFolder = (m) => m.path.replace("/e2e-arr/movies", moviesHere);
    const seriesFolder = (s) => s.path.replace("/e2e-arr/tv", seriesHere);
    for (const m of movies) mkdirSync(movieFolder(m), { recursive: true });
    for (const s of series) mkdirSync(seriesFolder(s), { recursive: true });

    await page.setViewportSize({ width: 1440, height: 900 });

    await step(
      "connections: a wrong key is refused with the reason, then Radarr is added",
      async () => {
        await page.getByRole("link", { name: "Settings" }).click();
        const panel = page.getByRole("region", { name: "Connections" });
        await panel.getByRole("button", { name: "Add connection" }).click();
        const dialog = page.getByRole("dialog", { name: "Add connection" });
        await fillConnection(dialog, {
          name: "E2E Radarr",
          type: "radarr",
          url: radarr.url,
          key: "not-the-key",
          monitor: "Missing",
          mapping: { from: "/e2e-arr/movies", to: moviesHere },
        });
        await dialog.getByRole("button", { name: "Test" }).click();
        await dialog.getByText(/Test failed: .*wrong API key/).waitFor();
        await dialog.getByRole("button", { name: "Save" }).click();
        await dialog.getByText(/Not saved: .*wrong API key/).waitFor();
        await page.screenshot({ path: join(artifacts, "connection-wrong-key.png") });

        await dialog.getByLabel("API key").fill(STANDIN_KEY);
        await dialog.getByRole("button", { name: "Test" }).click();
        await dialog.getByText(/Connected: Radarr 5\./).waitFor();
        await dialog.getByRole("button", { name: "Save" }).click();
        await dialog.waitFor({ state: "detached" });
        const row = panel.locator("tr", { hasText: "E2E Radarr" });
        await row.getByText(/^Radarr 5\.[\d.]+, 1 root folder$/).waitFor();
        await row.getByText(moviesHere, { exact: true }).waitFor();
        const [saved] = (await api.get("/api/v1/connections")).filter(
          (c) => c.name === "E2E Radarr",
        );
        assert(saved && !saved.api_key.includes(STANDIN_KEY), "the API never returns the key");
        assert(
          (await row.innerText()).includes(saved.api_key) &&
            !(await row.innerText()).includes(STANDIN_KEY),
          "the list shows the masked key only",
        );
        await page.screenshot({ path: join(artifacts, "connections.png"), fullPage: true });
      },
    );

    let syncedMovies = [];
    await step(
      "connections: Refresh brings every movie into the Library with poster and folder",
      async () => {
        const panel = page.getByRole("region", { name: "Connections" });
        await panel.getByRole("button", { name: "Refresh E2E Radarr" }).click();
        await panel.getByText("Sync started").waitFor();
        const roots = page.getByRole("region", { name: "Library roots" });
        await roots
          .locator("tr", { hasText: moviesHere })
          .getByText("Connection: E2E Radarr")
          .waitFor();
        syncedMovies = await expectInLibrary(page, base, api, movies, movieFolder, "movie");
        await page.screenshot({ path: join(artifacts, "library-synced.png"), fullPage: true });
      },
    );

    await step("connections: edit a synced movie's year and see it saved", async () => {
      const movie = syncedMovies[0];
      const row = page.locator(`[data-media-id="${movie.id}"]`).first();
      await row.getByRole("button", { name: `Edit ${movie.title}` }).click();
      const dialog = page.getByRole("dialog", { name: `Edit ${movie.title}` });
      const year = String((movie.year ?? 2000) + 1);
      await dialog.getByLabel("Year").fill(year);
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "detached" });
      await waitFor(async () => (await row.innerText()).includes(year), {
        what: `the row to show the year ${year}`,
      });
      const after = await api.get(`/api/v1/media/${movie.id}`);
      assert(after.year === Number(year), `the year was saved: ${after.year}`);
    });

    await step("connections: the same for Sonarr with 2 series", async () => {
      await page.getByRole("link", { name: "Settings" }).click();
      const panel = page.getByRole("region", { name: "Connections" });
      await panel.getByRole("button", { name: "Add connection" }).click();
      const dialog = page.getByRole("dialog", { name: "Add connection" });
      await fillConnection(dialog, {
        name: "E2E Sonarr",
        type: "sonarr",
        url: sonarr.url,
        key: STANDIN_KEY,
        monitor: "Sync",
        mapping: { from: "/e2e-arr/tv", to: seriesHere },
      });
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "detached" });
      const row = panel.locator("tr", { hasText: "E2E Sonarr" });
      await row.getByText(/^Sonarr 4\.[\d.]+, 1 root folder$/).waitFor();
      await panel.getByRole("button", { name: "Refresh E2E Sonarr" }).click();
      await panel.getByText("Sync started").first().waitFor();
      await expectInLibrary(page, base, api, series, seriesFolder, "series");
      await page.screenshot({ path: join(artifacts, "library-synced-series.png"), fullPage: true });
    });
  } finally {
    for (const child of standins) await stopProcess(child);
  }
}
