// End-to-end scenario: System → Backup.
//
// In Chromium: press "Back up now" and find the new backup in the list and in the API;
// download it through its link (the session cookie authenticates it) and check that it is
// a SQLite file; stage its restore (after the confirmation), see the banner that it is
// applied at the next start, cancel it; upload a file that is not a backup and see the
// server's 422 reason at the upload. Nothing is restored: the run goes on with its data.
// On PostgreSQL (DATABASE_URL set) backups are pg_dump files and restores are pg_restore's:
// the SQLite checks and the restore are skipped, and the page's pg_restore advice is checked.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "./support.mjs";

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const SQLITE_HEADER = "SQLite format 3\u0000";

export async function backupScenario({ page, api, tmp, artifacts, step }) {
  const onPostgresql = Boolean(process.env.DATABASE_URL);
  let made;

  await step("system › backup: back up now, find it listed, download it", async () => {
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "System" })
      .click();
    await page
      .getByRole("navigation", { name: "System sections" })
      .getByRole("link", { name: "Backup" })
      .click();
    await page.waitForURL(/\/system\/backup$/);
    const before = new Set((await api.get("/api/v1/backups")).map((b) => b.name));

    await page.getByRole("button", { name: "Back up now" }).click();
    made = await waitFor(
      async () =>
        (await api.get("/api/v1/backups")).find((b) => !before.has(b.name) && b.type === "manual"),
      { what: "the new manual backup in the API" },
    );
    const row = page.locator(`tr[data-backup="${made.name}"]`);
    await row.waitFor();
    const type = (await row.locator('[data-col="type"]').innerText()).trim();
    assert(type === "Manual", `the new backup shows as Manual, not ${type}`);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      row.getByRole("link", { name: `Download ${made.name}` }).click(),
    ]);
    const saved = join(tmp, `downloaded-${made.name}`);
    await download.saveAs(saved);
    const bytes = readFileSync(saved);
    assert(bytes.length === made.size, `downloaded ${bytes.length} bytes of ${made.size}`);
    if (onPostgresql) {
      console.log("    note: DATABASE_URL is set: the backup is a pg_dump, no SQLite header check");
    } else {
      const header = bytes.subarray(0, SQLITE_HEADER.length).toString("latin1");
      assert(
        header === SQLITE_HEADER,
        `the download is a SQLite file (starts ${JSON.stringify(header)})`,
      );
    }
  });

  await step(
    "system › backup: stage a restore, cancel it, and a bad upload is refused",
    async () => {
      if (onPostgresql) {
        await page
          .getByText(/pg_restore/)
          .first()
          .waitFor();
        assert(
          !(await page.getByRole("button", { name: `Restore ${made.name}` }).count()),
          "no restore is offered on PostgreSQL",
        );
        await page.screenshot({ path: join(artifacts, "system-backup.png"), fullPage: true });
        return;
      }
      const row = page.locator(`tr[data-backup="${made.name}"]`);
      await row.getByRole("button", { name: `Restore ${made.name}` }).click();
      const dialog = page.getByRole("dialog", { name: "Restore this backup?" });
      await dialog.getByRole("button", { name: "Restore" }).click();
      const banner = page.getByRole("status", { name: "Staged restore" });
      await banner.waitFor();
      assert(
        (await banner.innerText()).includes("applied at the next start"),
        "the banner says when the restore happens",
      );
      const staged = await api.get("/api/v1/backups/restore");
      assert(staged.staged && staged.source === made.name, `staged: ${JSON.stringify(staged)}`);
      await page.screenshot({ path: join(artifacts, "system-backup.png"), fullPage: true });

      await banner.getByRole("button", { name: "Cancel restore" }).click();
      await banner.waitFor({ state: "detached" });
      assert(!(await api.get("/api/v1/backups/restore")).staged, "the restore was cancelled");

      const bad = join(tmp, "not-a-backup.db");
      writeFileSync(bad, "these are notes, not a database\n");
      const form = page.getByRole("form", { name: "Restore from a file" });
      await form.getByLabel("Restore from a file").setInputFiles(bad);
      await form.getByRole("button", { name: "Upload and restore" }).click();
      const refusal = form.getByRole("alert");
      await refusal.waitFor();
      const reason = await refusal.innerText();
      assert(reason.includes("not a SQLite database"), `the 422 reason is shown: ${reason}`);
      assert(!(await api.get("/api/v1/backups/restore")).staged, "nothing was staged");
      await page.screenshot({ path: join(artifacts, "system-backup-refused.png"), fullPage: true });
    },
  );
}
