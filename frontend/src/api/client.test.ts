import { afterEach, describe, expect, it } from "vitest";
import { ApiError, csrfToken, describeDetail, setCsrfToken } from "./client";

describe("describeDetail", () => {
  it("keeps a plain detail as the message", () => {
    expect(describeDetail(409, "Already downloading")).toEqual({
      message: "Already downloading",
      fields: {},
    });
  });

  it("maps validation errors to their fields", () => {
    const { message, fields } = describeDetail(422, [
      { loc: ["body", "year"], msg: "Input should be less than or equal to 3000" },
      { loc: ["query", "page"], msg: "Input should be greater than or equal to 1" },
      { loc: ["body"], msg: "Value error, max_duration must be above min_duration" },
    ]);
    expect(fields).toEqual({
      year: "Input should be less than or equal to 3000",
      page: "Input should be greater than or equal to 1",
    });
    expect(message).toBe("max_duration must be above min_duration");
  });

  it("falls back to words for the status", () => {
    expect(describeDetail(404, undefined).message).toBe("Not found");
    expect(describeDetail(502, null).message).toBe("Server error (502)");
  });

  it("builds an ApiError with field errors", () => {
    const err = new ApiError(422, [{ loc: ["body", "name"], msg: "Field required" }]);
    expect(err.status).toBe(422);
    expect(err.fieldErrors).toEqual({ name: "Field required" });
    expect(err.message).toBe("Please correct: name");
  });
});

describe("csrfToken", () => {
  afterEach(() => {
    document.cookie = "trailarr_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
    setCsrfToken(null);
  });

  it("reads the readable cookie first, else the token from auth status", () => {
    setCsrfToken("from-status");
    expect(csrfToken()).toBe("from-status");
    document.cookie = "trailarr_csrf=from-cookie";
    expect(csrfToken()).toBe("from-cookie");
  });
});
