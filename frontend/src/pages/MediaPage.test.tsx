import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { renderWithQuery } from "../test/query";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { Media } from "../api/types";
import { LiveProvider } from "../live";
import { makeProfile } from "../test/fixtures";
import { MediaPage } from "./MediaPage";

/** The app's websocket, driven by the test. */
class FakeSocket {
  static last: FakeSocket | undefined;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.last = this;
  }

  close() {
    this.onclose?.();
  }

  /** One frame from the backend, as ws_manager.broadcast sends it. */
  send(frame: Record<string, unknown>) {
    act(() => this.onmessage?.({ data: JSON.stringify(frame) }));
  }
}

function makeMedia(status: Media["status"]): Media {
  return {
    id: 7,
    title: "Alien",
    year: 1979,
    is_movie: true,
    folder_path: "/media/movies/Alien (1979)",
    monitor: false,
    status,
    added_at: "2024-03-10T12:34:00+00:00",
    updated_at: "2024-03-10T12:34:00+00:00",
    downloaded_at: null,
  } as Media;
}

function ok(data: unknown) {
  return Promise.resolve({ data, response: { ok: true, status: 200 } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  FakeSocket.last = undefined;
});

describe("MediaPage", () => {
  it("shows a download that ends failed as a failure, with its reason", async () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    let status: Media["status"] = "missing";
    vi.spyOn(api, "GET").mockImplementation(((path: string) => {
      if (path === "/api/v1/media/{media_id}") return ok(makeMedia(status));
      if (path === "/api/v1/trailerprofiles") return ok([makeProfile()]);
      return ok([]); // the media's downloads and events
    }) as never);
    const post = vi.spyOn(api, "POST").mockImplementation((() => {
      status = "downloading";
      return ok({ media_id: 7, profile_id: 1, message: "Trailer download started" });
    }) as never);

    renderWithQuery(
      <LiveProvider>
        <MemoryRouter initialEntries={["/media/7"]}>
          <Routes>
            <Route path="/media/:id" element={<MediaPage />} />
          </Routes>
        </MemoryRouter>
      </LiveProvider>,
    );
    await userEvent.click(await screen.findByRole("button", { name: "Download trailer" }));
    expect(post).toHaveBeenCalledOnce();
    await screen.findByRole("button", { name: "Downloading…" });

    const socket = FakeSocket.last!;
    socket.send({ type: "Queue", message: "Alien", removed: 1, media_id: 7 });
    // The trailer was downloaded but could not be recorded (trailer.py's _finish_failed).
    status = "missing";
    socket.send({
      type: "Error",
      message: "Trailer download failed for Other [8]: x",
      media_id: 8,
    });
    socket.send({
      type: "Error",
      message:
        "Trailer download failed for Alien [7]: the trailer could not be recorded: " +
        "database is locked",
      media_id: 7,
    });

    const result = await screen.findByRole("status");
    expect(result.textContent).toBe(
      "✖ Trailer download failed for Alien [7]: the trailer could not be recorded: " +
        "database is locked",
    );
    expect(result.className).toContain("live-error");
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect(screen.queryByText(/✔/)).toBeNull();
    expect(screen.queryByText(/Other \[8\]/)).toBeNull();
    expect(screen.getByRole("button", { name: "Download trailer" })).toBeTruthy();
  });
});
