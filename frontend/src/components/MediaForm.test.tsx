import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { MediaForm } from "./MediaForm";

async function fill(title: string, year: string, folder: string) {
  const user = userEvent.setup();
  if (title) await user.type(screen.getByLabelText("Title"), title);
  if (year) await user.type(screen.getByLabelText("Year"), year);
  if (folder) await user.type(screen.getByLabelText("Folder path"), folder);
  await user.click(screen.getByRole("button", { name: "Add media" }));
}

describe("MediaForm", () => {
  it("sends a movie with its folder", async () => {
    const onSave = vi.fn().mockResolvedValue(undefined);
    render(<MediaForm onSave={onSave} />);
    await fill("Alien", "1979", "/movies/Alien (1979)");
    expect(onSave).toHaveBeenCalledWith({
      title: "Alien",
      year: 1979,
      is_movie: true,
      folder_path: "/movies/Alien (1979)",
      monitor: false,
    });
  });

  it("checks the required fields before sending", async () => {
    const onSave = vi.fn();
    render(<MediaForm onSave={onSave} />);
    await fill("", "79", "");
    expect(screen.getByText("Enter a title")).toBeTruthy();
    expect(screen.getByText("Enter a four-digit year")).toBeTruthy();
    expect(screen.getByText("Enter the folder path")).toBeTruthy();
    expect(onSave).not.toHaveBeenCalled();
  });

  it("shows the server's 422 at the year", async () => {
    const onSave = vi
      .fn()
      .mockRejectedValue(
        new ApiError(422, [
          { loc: ["body", "year"], msg: "Input should be greater than or equal to 1800" },
        ]),
      );
    render(<MediaForm onSave={onSave} />);
    await fill("Old", "1700", "/movies/Old");
    const message = await screen.findByText("Input should be greater than or equal to 1800");
    const year = screen.getByLabelText("Year");
    expect(year.getAttribute("aria-invalid")).toBe("true");
    expect(year.getAttribute("aria-describedby")).toContain(message.id);
    expect(screen.queryByRole("alert", { name: /Please correct/ })).toBeNull();
  });

  it("shows other errors above the form", async () => {
    const onSave = vi.fn().mockRejectedValue(new ApiError(500, undefined));
    render(<MediaForm onSave={onSave} />);
    await fill("X", "2000", "/x");
    expect((await screen.findByText("Server error (500)")).className).toBe("form-error");
  });
});
