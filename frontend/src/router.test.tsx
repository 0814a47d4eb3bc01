import { act, screen, within } from "@testing-library/react";
import { Route, Routes } from "react-router-dom";
import { afterEach, expect, it, vi } from "vitest";
import { api } from "./api/client";
import { HistoryPage } from "./pages/HistoryPage";
import { AppRouter } from "./router";
import { renderWithQuery } from "./test/query";

function ok(data: unknown) {
  return Promise.resolve({ data, response: { ok: true, status: 200 } });
}

const actEnvironment = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };

afterEach(() => {
  actEnvironment.IS_REACT_ACT_ENVIRONMENT = true;
  vi.restoreAllMocks();
  window.history.replaceState(null, "", "/");
});

it("a filter bound to the URL shows the user's change in the same task as the click", async () => {
  vi.spyOn(api, "GET").mockImplementation(((path: string) => {
    if (path === "/api/v1/events") return ok({ page: 1, page_size: 25, total: 0, records: [] });
    return ok([]);
  }) as never);
  window.history.replaceState(null, "", "/history?show=events");
  renderWithQuery(
    <AppRouter>
      <Routes>
        <Route path="/history" element={<HistoryPage />} />
      </Routes>
    </AppRouter>,
  );
  await act(async () => {});
  const types = within(screen.getByRole("group", { name: "Event types" }));
  const downloaded = types.getByLabelText("Downloaded") as HTMLInputElement;
  const source = screen.getByLabelText("Source") as HTMLSelectElement;

  // Outside act(), as in a browser: what React shows once the event's own work is done.
  actEnvironment.IS_REACT_ACT_ENVIRONMENT = false;
  downloaded.click();
  expect(downloaded.checked).toBe(true);
  source.value = "local";
  source.dispatchEvent(new Event("change", { bubbles: true }));
  expect(source.value).toBe("local");
  expect(new URLSearchParams(window.location.search).getAll("type")).toEqual(["downloaded"]);
  expect(new URLSearchParams(window.location.search).get("source")).toBe("local");
});
