import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { parseLiveMessage } from "../live";
import { makeDownload, makeProfile, makeQueueItem } from "../test/fixtures";
import { DownloadPanel } from "./DownloadPanel";

describe("DownloadPanel", () => {
  it("sends the chosen profile and URL", async () => {
    const onStart = vi.fn().mockResolvedValue(undefined);
    render(
      <DownloadPanel
        profiles={[makeProfile(), makeProfile({ id: 2, name: "Small", priority: 5 })]}
        busy={false}
        queued={null}
        messages={[]}
        onStart={onStart}
      />,
    );
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText("Profile"), "Small");
    await user.type(screen.getByLabelText("Source URL (optional)"), "http://127.0.0.1:9/clip.mp4");
    await user.click(screen.getByRole("button", { name: "Download trailer" }));
    expect(onStart).toHaveBeenCalledWith(2, "http://127.0.0.1:9/clip.mp4", false);
  });

  it("names the profile the server will use when none is chosen", () => {
    render(
      <DownloadPanel
        profiles={[
          makeProfile({ name: "Default", priority: 0 }),
          makeProfile({ id: 2, name: "4K", priority: 9 }),
          makeProfile({ id: 3, name: "Off", priority: 99, enabled: false }),
        ]}
        busy={false}
        queued={null}
        messages={[]}
        onStart={vi.fn()}
      />,
    );
    const select = screen.getByLabelText("Profile") as HTMLSelectElement;
    expect(select.options[0]?.textContent).toBe("4K (highest priority)");
  });

  it("asks whether to replace or add when the profile has a trailer already", async () => {
    const onStart = vi.fn().mockResolvedValue(undefined);
    const present = [makeDownload({ id: 7, profile_id: 2, file_name: "Alien-trailer.mkv" })];
    render(
      <DownloadPanel
        profiles={[makeProfile(), makeProfile({ id: 2, name: "4K", priority: 9 })]}
        present={present}
        busy={false}
        queued={null}
        messages={[]}
        onStart={onStart}
      />,
    );
    const user = userEvent.setup();
    // No choice: the default profile is 4K, which has a trailer.
    await user.click(screen.getByRole("button", { name: "Download trailer" }));
    const question = screen.getByRole("group", { name: "A trailer from this profile exists" });
    expect(question.textContent).toContain("Alien-trailer.mkv");
    expect(onStart).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Replace it" }));
    expect(onStart).toHaveBeenLastCalledWith(null, null, true);

    await user.click(screen.getByRole("button", { name: "Download trailer" }));
    await user.click(screen.getByRole("button", { name: "Add another" }));
    expect(onStart).toHaveBeenLastCalledWith(null, null, false);

    // Another profile without a trailer: no question.
    await user.selectOptions(screen.getByLabelText("Profile"), "Default");
    await user.click(screen.getByRole("button", { name: "Download trailer" }));
    expect(onStart).toHaveBeenLastCalledWith(1, null, false);
    expect(screen.queryByRole("group", { name: /exists/ })).toBeNull();
  });

  it("shows a refused source at the URL field", async () => {
    const onStart = vi.fn().mockRejectedValue(new ApiError(400, "Local sources are not allowed"));
    render(
      <DownloadPanel profiles={[]} busy={false} queued={null} messages={[]} onStart={onStart} />,
    );
    const url = screen.getByLabelText("Source URL (optional)");
    await userEvent.type(url, "http://10.0.0.1/x.mp4");
    await userEvent.click(screen.getByRole("button", { name: "Download trailer" }));
    await screen.findByText("Local sources are not allowed");
    expect(url.getAttribute("aria-invalid")).toBe("true");
  });

  it("shows only an ending as the result, not the note sent with the request", () => {
    const note = { type: "Info" as const, message: "Download requested", media_id: 1 };
    const { rerender } = render(
      <DownloadPanel
        profiles={[]}
        busy={false}
        queued={null}
        messages={[note]}
        onStart={vi.fn()}
      />,
    );
    expect(document.querySelector(".live-result")).toBeNull();
    const done = { type: "Success" as const, message: "Trailer downloaded", media_id: 1 };
    rerender(
      <DownloadPanel
        profiles={[]}
        busy={false}
        queued={null}
        messages={[note, done]}
        onStart={vi.fn()}
      />,
    );
    expect(document.querySelector(".live-result")?.textContent).toBe("✔ Trailer downloaded");
  });

  it("shows a download that ended failed as a failure, with its reason", () => {
    // The trailer was downloaded but could not be recorded: the backend's "Error" frame.
    const failed = parseLiveMessage(
      JSON.stringify({
        type: "Error",
        message:
          "Trailer download failed for Alien [7]: the trailer could not be recorded: " +
          "database is locked",
        media_id: 7,
      }),
    );
    if (failed?.type !== "Error") throw new Error("the failure's frame was not taken");
    render(
      <DownloadPanel
        profiles={[]}
        busy={false}
        queued={null}
        messages={[{ type: "Info", message: "Download requested", media_id: 7 }, failed]}
        onStart={vi.fn()}
      />,
    );
    const result = screen.getByRole("status");
    expect(result.textContent).toBe(
      "✖ Trailer download failed for Alien [7]: the trailer could not be recorded: " +
        "database is locked",
    );
    expect(result.className).toContain("live-error");
    expect(document.querySelector(".live-success")).toBeNull();
    expect(screen.queryByText(/✔/)).toBeNull();
  });

  it("shows live progress and the last message", () => {
    const { rerender } = render(
      <DownloadPanel
        profiles={[]}
        busy
        queued={makeQueueItem()}
        messages={[{ type: "Info", message: "Downloading from x", media_id: 1 }]}
        onStart={vi.fn()}
      />,
    );
    const bar = screen.getByRole("progressbar", { name: "Download progress" });
    expect(bar.getAttribute("aria-valuenow")).toBe("42");
    expect(screen.getByText("Downloading 42% · 1.2 MB/s · 0:12 left")).toBeTruthy();
    expect(
      (screen.getByRole("button", { name: "Downloading…" }) as HTMLButtonElement).disabled,
    ).toBe(true);

    rerender(
      <DownloadPanel
        profiles={[]}
        busy={false}
        queued={null}
        messages={[{ type: "Success", message: "Trailer downloaded for Alien", media_id: 1 }]}
        onStart={vi.fn()}
      />,
    );
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect(screen.getByRole("status").textContent).toContain("Trailer downloaded for Alien");
  });
});

describe("parseLiveMessage", () => {
  it("accepts the websocket's messages and drops anything else", () => {
    expect(parseLiveMessage('{"type":"Info","message":"x","media_id":3}')).toEqual({
      type: "Info",
      message: "x",
      media_id: 3,
    });
    const item = makeQueueItem({ media_id: 4 });
    expect(parseLiveMessage(JSON.stringify({ type: "Queue", message: "Alien", item }))).toEqual({
      type: "Queue",
      message: "Alien",
      media_id: 4,
      item,
    });
    expect(parseLiveMessage('{"type":"Queue","message":"x","removed":2,"media_id":4}')).toEqual({
      type: "Queue",
      message: "x",
      media_id: 4,
      removed: 2,
    });
    expect(parseLiveMessage('{"type":"Progress","message":"x","percent":50}')).toBeNull();
    expect(parseLiveMessage('{"type":"Bogus","message":"x"}')).toBeNull();
    expect(parseLiveMessage("not json")).toBeNull();
    expect(parseLiveMessage(new ArrayBuffer(2))).toBeNull();
  });
});
