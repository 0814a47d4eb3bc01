// The typed API client: openapi-fetch over the paths generated from the backend's
// OpenAPI schema (`npm run gen:api`), with the session's CSRF header added.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const CSRF_COOKIE = "trailarr_csrf";

let csrfFallback: string | null = null;

/** Remember the token from /auth/status, for when the cookie cannot be read. */
export function setCsrfToken(token: string | null | undefined): void {
  csrfFallback = token ?? null;
}

/** The CSRF token: the readable `trailarr_csrf` cookie, else the one from /auth/status. */
export function csrfToken(): string | null {
  if (typeof document !== "undefined") {
    for (const part of document.cookie.split(";")) {
      const [name, ...rest] = part.trim().split("=");
      if (name === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
    }
  }
  return csrfFallback;
}

export const UNAUTHORIZED_EVENT = "trailarr:unauthorized";

const sessionMiddleware: Middleware = {
  onRequest({ request }) {
    if (!SAFE_METHODS.has(request.method.toUpperCase())) {
      const token = csrfToken();
      if (token) request.headers.set("X-CSRF-Token", token);
    }
    return request;
  },
  onResponse({ request, response }) {
    const path = new URL(request.url).pathname;
    if (response.status === 401 && !path.startsWith("/api/v1/auth/")) {
      window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    }
    return response;
  },
};

function origin(): string {
  return typeof window !== "undefined" ? window.location.origin : "http://localhost";
}

export const api = createClient<paths>({ baseUrl: origin(), credentials: "same-origin" });
api.use(sessionMiddleware);

/** One message per field from a 422, keyed by the field's name ("min_duration"). */
export type FieldErrors = Record<string, string>;

interface ValidationItem {
  loc?: (string | number)[];
  msg?: string;
}

const LOC_ROOTS = new Set(["body", "query", "path", "header", "cookie"]);

/** An error answer of the API, with its status and FastAPI's `detail`. */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: unknown;
  readonly fieldErrors: FieldErrors;

  constructor(status: number, detail: unknown) {
    const { message, fields } = describeDetail(status, detail);
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.fieldErrors = fields;
  }
}

function cleanMessage(msg: string): string {
  // Pydantic prefixes custom errors with "Value error, ".
  return msg.replace(/^Value error, /, "");
}

/** Split FastAPI's `detail` into a general message and per-field messages. */
export function describeDetail(
  status: number,
  detail: unknown,
): { message: string; fields: FieldErrors } {
  const fields: FieldErrors = {};
  if (typeof detail === "string" && detail) return { message: detail, fields };
  if (Array.isArray(detail)) {
    const general: string[] = [];
    for (const raw of detail as ValidationItem[]) {
      const msg = cleanMessage(String(raw?.msg ?? "Invalid value"));
      const loc = (raw?.loc ?? []).filter((p) => !(typeof p === "string" && LOC_ROOTS.has(p)));
      const key = loc.length > 0 ? String(loc[0]) : "";
      if (key && !(key in fields)) fields[key] = msg;
      else if (!key) general.push(msg);
    }
    const names = Object.keys(fields);
    const message =
      general.length > 0
        ? general.join("; ")
        : names.length > 0
          ? `Please correct: ${names.join(", ")}`
          : "The request was not valid";
    return { message, fields };
  }
  if (detail && typeof detail === "object") return { message: JSON.stringify(detail), fields };
  return { message: statusText(status), fields };
}

function statusText(status: number): string {
  if (status === 0) return "The server could not be reached";
  if (status === 401) return "Please sign in";
  if (status === 403) return "Not allowed";
  if (status === 404) return "Not found";
  if (status >= 500) return `Server error (${status})`;
  return `Request failed (${status})`;
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Await an openapi-fetch call and return its data, or throw an ApiError. */
export async function call<T>(request: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await request;
  } catch (err) {
    throw new ApiError(0, err instanceof Error ? err.message : String(err));
  }
  if (!result.response.ok) {
    const body = result.error as { detail?: unknown } | string | undefined;
    const detail = typeof body === "object" && body !== null ? body.detail : body;
    throw new ApiError(result.response.status, detail);
  }
  return result.data as T;
}

/** A message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
