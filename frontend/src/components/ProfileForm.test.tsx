import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import { bodyFromValues, NEW_PROFILE, ProfileForm } from "./ProfileForm";

describe("ProfileForm", () => {
  it("shows a 422 message at the field it names", async () => {
    const onSave = vi.fn().mockRejectedValue(
      new ApiError(422, [
        {
          type: "greater_than_equal",
          loc: ["body", "min_duration"],
          msg: "Input should be greater than or equal to 0",
          input: -5,
        },
      ]),
    );
    render(<ProfileForm initial={NEW_PROFILE} submitLabel="Create profile" onSave={onSave} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Name"), "Short clips");
    const minDuration = screen.getByLabelText("Min duration (s)");
    await user.clear(minDuration);
    await user.type(minDuration, "-5");
    await user.click(screen.getByRole("button", { name: "Create profile" }));

    expect(onSave).toHaveBeenCalledWith(
      expect.objectContaining({ name: "Short clips", min_duration: -5 }),
    );
    const message = await screen.findByText("Input should be greater than or equal to 0");
    expect(minDuration.getAttribute("aria-invalid")).toBe("true");
    expect(minDuration.getAttribute("aria-describedby")).toContain(message.id);
    // The other fields stay clean.
    expect(screen.getByLabelText("Max duration (s)").getAttribute("aria-invalid")).toBeNull();
  });

  it("puts the focus on the field the server refused (a codec webm cannot hold)", async () => {
    const onSave = vi.fn().mockRejectedValue(
      new ApiError(422, [
        {
          type: "value_error",
          loc: ["body", "video_format"],
          msg: "Value error, a webm file cannot hold h264 video: choose vp9, av1 (or copy)",
          input: "h264",
        },
      ]),
    );
    render(<ProfileForm initial={NEW_PROFILE} submitLabel="Create profile" onSave={onSave} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Name"), "Web");
    await user.selectOptions(screen.getByLabelText("Container"), "webm");
    await user.click(screen.getByRole("button", { name: "Create profile" }));

    await screen.findByText(/a webm file cannot hold h264 video/);
    expect(document.activeElement).toBe(screen.getByLabelText("Video codec"));
  });

  it("shows a duplicate name (409) at the name", async () => {
    const onSave = vi.fn().mockRejectedValue(new ApiError(409, "A profile named Default exists"));
    render(<ProfileForm initial={NEW_PROFILE} submitLabel="Create profile" onSave={onSave} />);
    await userEvent.type(screen.getByLabelText("Name"), "Default");
    await userEvent.click(screen.getByRole("button", { name: "Create profile" }));
    await screen.findByText("A profile named Default exists");
    expect(screen.getByLabelText("Name").getAttribute("aria-invalid")).toBe("true");
  });

  it("asks for a name before sending", async () => {
    const onSave = vi.fn();
    render(<ProfileForm initial={NEW_PROFILE} submitLabel="Create profile" onSave={onSave} />);
    await userEvent.click(screen.getByRole("button", { name: "Create profile" }));
    expect(screen.getByText("Enter a name")).toBeTruthy();
    expect(onSave).not.toHaveBeenCalled();
  });

  it("sends numbers as numbers and leaves unparsable ones for the server to name", () => {
    const body = bodyFromValues({ ...NEW_PROFILE, name: "x", priority: "5", max_duration: "abc" });
    expect(body.priority).toBe(5);
    expect(body.video_resolution).toBe(1080);
    expect(body.max_duration).toBe("abc");
  });

  it("sends blank filters as none and a chosen connection as its id", async () => {
    expect(bodyFromValues({ ...NEW_PROFILE, name: "x" })).toMatchObject({
      connection_id: null,
      min_year: null,
      max_year: null,
      for_movies: true,
      for_series: true,
      title_words: "",
      stop_monitoring: false,
    });
    const onSave = vi.fn().mockResolvedValue(undefined);
    render(
      <ProfileForm
        initial={NEW_PROFILE}
        submitLabel="Create profile"
        onSave={onSave}
        connections={[{ id: 4, name: "Home Radarr" }]}
      />,
    );
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Name"), "Radarr 70s");
    await user.click(screen.getByLabelText("Series"));
    await user.selectOptions(screen.getByLabelText("Connection"), "Home Radarr");
    await user.type(screen.getByLabelText("From year"), "1970");
    await user.type(screen.getByLabelText("To year"), "1979");
    await user.click(screen.getByLabelText("Stop monitoring after download"));
    await user.click(screen.getByRole("button", { name: "Create profile" }));
    expect(onSave).toHaveBeenCalledWith(
      expect.objectContaining({
        for_movies: true,
        for_series: false,
        connection_id: 4,
        min_year: 1970,
        max_year: 1979,
        stop_monitoring: true,
      }),
    );
  });
});
