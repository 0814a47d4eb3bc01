import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";
import { makeDownload, makeProfile } from "../test/fixtures";
import { DownloadsTable } from "./DownloadsTable";

function renderTable(props: Partial<React.ComponentProps<typeof DownloadsTable>> = {}) {
  return render(
    <MemoryRouter>
      <DownloadsTable
        downloads={[makeDownload()]}
        profiles={[makeProfile()]}
        timeZone="UTC"
        {...props}
      />
    </MemoryRouter>,
  );
}

function cell(row: HTMLElement, column: string): HTMLElement {
  const found = row.querySelector<HTMLElement>(`[data-col="${column}"]`);
  if (!found) throw new Error(`no ${column} cell`);
  return found;
}

describe("DownloadsTable", () => {
  it("shows every value of a download", () => {
    renderTable();
    const row = screen.getByText("Alien (1979)-trailer.mkv").closest("tr")!;
    expect(cell(row, "added_at").textContent).toBe(
      new Intl.DateTimeFormat(undefined, {
        year: "numeric",
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        timeZone: "UTC",
      }).format(new Date("2024-03-10T12:34:00Z")),
    );
    expect(cell(row, "added_at").querySelector("time")?.getAttribute("datetime")).toBe(
      "2024-03-10T12:34:00+00:00",
    );
    expect(cell(row, "resolution").textContent).toBe("1920x1080");
    expect(cell(row, "video_format").textContent).toBe("h264");
    expect(cell(row, "audio_format").textContent).toBe("aac");
    expect(cell(row, "audio_channels").textContent).toBe("Stereo");
    expect(cell(row, "subtitles").textContent).toBe("eng, fre");
    expect(cell(row, "duration").textContent).toBe("2:05");
    expect(cell(row, "size").textContent).toBe("1.5 MB");
    const profile = within(cell(row, "profile")).getByRole("link", { name: "Default" });
    expect(profile.getAttribute("href")).toBe("/profiles?edit=1");
    const source = within(cell(row, "source")).getByRole("link");
    expect(source.getAttribute("href")).toBe("https://www.youtube.com/watch?v=dQw4w9WgXcQ");
    expect(source.getAttribute("rel")).toContain("noopener");
    expect(cell(row, "state").textContent).toBe("Present");
  });

  it("keeps the API's order (newest first) and marks deleted files with their reason", () => {
    renderTable({
      onDelete: vi.fn(),
      downloads: [
        makeDownload({ id: 3, file_name: "new.mkv", profile_id: 0 }),
        makeDownload({
          id: 2,
          file_name: "old.mkv",
          profile_id: 42,
          file_exists: false,
          deleted_reason: "replaced",
          deleted_at: "2024-03-11T00:00:00+00:00",
          source_url: null,
          youtube_id: "",
        }),
      ],
    });
    const rows = screen.getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-download-id"))).toEqual(["3", "2"]);
    expect(cell(rows[0]!, "profile").textContent).toBe("unknown");
    expect(cell(rows[1]!, "profile").textContent).toBe("deleted");
    expect(cell(rows[1]!, "state").textContent).toBe("Deleted: replaced");
    expect(cell(rows[1]!, "source").textContent).toBe("—");
    expect(within(rows[1]!).getByRole("button", { name: "Remove record of old.mkv" })).toBeTruthy();
  });

  it("shows the loading, empty and error states", async () => {
    const { rerender } = renderTable({ downloads: undefined });
    expect(screen.getByRole("status").textContent).toContain("Loading downloads");

    rerender(
      <MemoryRouter>
        <DownloadsTable downloads={[]} profiles={[]} />
      </MemoryRouter>,
    );
    expect(screen.getByText(/No trailer has been downloaded/)).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();

    const retry = vi.fn();
    rerender(
      <MemoryRouter>
        <DownloadsTable
          downloads={undefined}
          profiles={[]}
          error={new Error("Server error (500)")}
          onRetry={retry}
        />
      </MemoryRouter>,
    );
    expect(screen.getByRole("alert").textContent).toContain("Server error (500)");
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(retry).toHaveBeenCalledOnce();
  });

  it("hands the row to the delete and re-download actions", async () => {
    const onDelete = vi.fn();
    const onRedownload = vi.fn();
    renderTable({ onDelete, onRedownload });
    await userEvent.click(screen.getByRole("button", { name: "Delete Alien (1979)-trailer.mkv" }));
    await userEvent.click(
      screen.getByRole("button", { name: "Re-download Alien (1979)-trailer.mkv" }),
    );
    expect(onDelete).toHaveBeenCalledWith(expect.objectContaining({ id: 1 }));
    expect(onRedownload).toHaveBeenCalledWith(expect.objectContaining({ id: 1 }));
  });

  it("shows no action column without actions", () => {
    renderTable();
    expect(screen.queryByRole("button")).toBeNull();
  });
});
