// End-to-end scenario: System > Logs.
//
// Opens the Logs section; downloads trailarr.log from the files list and finds in it a line
// the page shows; sets the log level to DEBUG in the page (the API agrees) and finds the
// access line of a request made then, which is a DEBUG line; filters by WARNING (no INFO
// line left) and searches (fewer lines, each with the word); sets the level back to INFO.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./support.mjs";

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** The rows of the lines table, each as {level, time, logger, message} (first line). */
async function shownLines(page) {
  return page.locator(".logs-table tbody tr").evaluateAll((rows) =>
    rows.map((row) => {
      const cell = (col) => row.querySelector(`[data-col="${col}"]`);
      const message = cell("message");
      const first = message.firstChild?.nodeType === 3 ? message.firstChild.textContent : "";
      return {
        level: row.getAttribute("data-level"),
        time: cell("time").querySelector("time")?.getAttribute("datetime") ?? null,
        logger: cell("logger").textContent.trim(),
        message: first,
      };
    }),
  );
}

/** An ISO time as app_logger writes it: local time, "2026-12-01 07:00:03,250" (the
 *  backend runs on this machine, in its time zone). */
function asWritten(iso) {
  const d = new Date(iso);
  const two = (n) => String(n).padStart(2, "0");
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return `${date} ${time},${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/** Until a lines request with `what` in its URL is answered and the table shows it. */
async function settled(page, changeFilter, what) {
  const answered = page.waitForResponse(
    (res) => res.url().includes("/api/v1/logs/lines") && what(new URL(res.url())),
  );
  await changeFilter();
  await answered;
  await waitFor(async () => (await page.locator('.table-wrap[aria-busy="true"]').count()) === 0, {
    what: "the lines table to show the new answer",
  });
}

export async function logsScenario({ page, api, artifacts, step }) {
  await step("system > logs: download a log file, lines by level and search", async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "System", exact: true })
      .click();
    await page
      .getByRole("navigation", { name: "System sections" })
      .getByRole("link", { name: "Logs" })
      .click();
    await page.waitForURL(/\/system\/logs$/);

    const files = page.getByRole("table", { name: "Log files" });
    const link = files.getByRole("link", { name: "trailarr.log", exact: true });
    await link.waitFor();
    await page.locator(".logs-table tbody tr").first().waitFor();
    const oldest = (await shownLines(page)).at(-1);
    assert(oldest.time && oldest.level, `the page parses its lines: ${JSON.stringify(oldest)}`);
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    assert(download.suggestedFilename() === "trailarr.log", "the download is named trailarr.log");
    const text = readFileSync(await download.path(), "utf8");
    const written = `${asWritten(oldest.time)} [${oldest.level}] ${oldest.logger}: ${oldest.message}`;
    assert(text.includes(written), `the downloaded log holds a line the page shows: ${written}`);

    // The level: DEBUG in the page, and the API says so.
    const level = page.getByLabel("Log level");
    await level.selectOption("DEBUG");
    await page.getByText("Saved: Trailarr logs from DEBUG on").waitFor();
    const answer = await api.get("/api/v1/logs/level");
    assert(answer.level === "DEBUG", `GET /api/v1/logs/level says ${answer.level}`);

    // A request now leaves an access line, a DEBUG line.
    const probe = `e2eprobe${Date.now()}`;
    await api.get(`/api/v1/logs/files?${probe}=1`);
    const everything = await shownLines(page);
    const search = page.getByLabel("Search", { exact: true });
    await settled(
      page,
      () => search.fill(probe),
      (url) => url.searchParams.get("search") === probe,
    );
    const found = await shownLines(page);
    assert(found.length > 0 && found.length < everything.length, "the search narrows the lines");
    assert(
      found.every((l) => `${l.logger} ${l.message}`.toLowerCase().includes(probe)),
      `every line has the word: ${JSON.stringify(found)}`,
    );
    assert(
      found.some(
        (l) =>
          l.level === "DEBUG" &&
          l.logger === "uvicorn.access" &&
          l.message.includes(`GET /api/v1/logs/files?${probe}=1`),
      ),
      `the request's access line shows as a DEBUG line: ${JSON.stringify(found)}`,
    );

    // The level filter: WARNING and up leaves no INFO line.
    await settled(
      page,
      () => search.fill(""),
      (url) => !url.searchParams.has("search"),
    );
    await page.screenshot({ path: join(artifacts, "system-logs.png") });
    const all = await shownLines(page);
    assert(
      all.some((l) => l.level === "INFO"),
      "with all levels, INFO lines show (the start-up's)",
    );
    await settled(
      page,
      () => page.getByLabel("Show", { exact: true }).selectOption("WARNING"),
      (url) => url.searchParams.get("level") === "WARNING",
    );
    const warnings = await shownLines(page);
    assert(
      warnings.every((l) => ["WARNING", "ERROR", "CRITICAL"].includes(l.level)),
      `WARNING and up only: ${JSON.stringify(warnings.map((l) => l.level))}`,
    );
    await page.getByLabel("Show", { exact: true }).selectOption("");

    // Back to INFO: access lines stop.
    await level.selectOption("INFO");
    await page.getByText("Saved: Trailarr logs from INFO on").waitFor();
    const after = await api.get("/api/v1/logs/level");
    assert(after.level === "INFO", `the level is back to INFO: ${after.level}`);
  });
}
