import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import { renderWithQuery } from "../test/query";
import { HistoryPage } from "./HistoryPage";

function ok(data: unknown) {
  return Promise.resolve({ data, response: { ok: true, status: 200 } });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("HistoryPage", () => {
  it("keeps each filter change in the history: Back restores the previous filters", async () => {
    const get = vi.spyOn(api, "GET").mockImplementation(((path: string) => {
      if (path === "/api/v1/downloads")
        return ok({ page: 1, page_size: 25, total: 0, records: [] });
      if (path === "/api/v1/downloads/stats")
        return ok({ by_video_format: [], by_audio_format: [], by_resolution: [] });
      return ok([]);
    }) as never);
    const router = createMemoryRouter([{ path: "/history", element: <HistoryPage /> }], {
      initialEntries: ["/history"],
    });
    const user = userEvent.setup();
    renderWithQuery(<RouterProvider router={router} />);
    const file = (await screen.findByLabelText("File")) as HTMLSelectElement;
    await user.selectOptions(file, "false");
    expect(router.state.location.search).toBe("?file_exists=false");
    await user.type(screen.getByLabelText("Search"), "alien");
    await waitFor(() => expect(router.state.location.search).toContain("q=alien"));
    expect(get).toHaveBeenCalledWith("/api/v1/downloads", {
      params: { query: expect.objectContaining({ file_exists: false }) },
    });

    await act(() => router.navigate(-1));
    expect(router.state.location.search).toBe("?file_exists=false");
    await waitFor(() =>
      expect((screen.getByLabelText("Search") as HTMLInputElement).value).toBe(""),
    );
    expect(file.value).toBe("false");
    await act(() => router.navigate(-1));
    expect(router.state.location.search).toBe("");
    await waitFor(() => expect(file.value).toBe(""));
  });
});
