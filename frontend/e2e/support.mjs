// Helpers for the end-to-end run: free ports, a clip server, the backend process.
import { spawn, spawnSync } from "node:child_process";
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { basename, join } from "node:path";
import { Transform } from "node:stream";

/** A TCP port nobody listens on right now (on 127.0.0.1). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Make a short test video with ffmpeg (a test pattern and a tone). */
export function makeClip(path, { size = "320x240", seconds = 2 } = {}) {
  const result = spawnSync(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      `testsrc=size=${size}:rate=15:duration=${seconds}`,
      "-f",
      "lavfi",
      "-i",
      `sine=duration=${seconds}`,
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-pix_fmt",
      "yuv420p",
      "-c:a",
      "aac",
      "-shortest",
      path,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (result.status !== 0) {
    throw new Error(
      `ffmpeg failed (${result.status ?? result.signal}): ${result.stderr || result.error}`,
    );
  }
}

/** A stream that passes bytes on at about `bytesPerSecond`. */
function throttle(bytesPerSecond) {
  return new Transform({
    transform(chunk, _encoding, done) {
      setTimeout(() => done(null, chunk), (chunk.length / bytesPerSecond) * 1000);
    },
  });
}

/**
 * Serve the given files at /<name> on 127.0.0.1, with Range support (as video hosts do);
 * `rates` slows some of them down: `{ "slow.mp4": 100_000 }` (bytes per second).
 */
export async function serveFiles(files, { rates = {} } = {}) {
  const byName = new Map(files.map((f) => [basename(f), f]));
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname.slice(1));
    const file = byName.get(name);
    if (!file || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404).end();
      return;
    }
    const size = statSync(file).size;
    const headers = { "Content-Type": "video/mp4", "Accept-Ranges": "bytes" };
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range) {
      if (range[1] === "" && range[2] !== "") {
        start = Math.max(0, size - Number(range[2]));
      } else {
        start = Number(range[1] || 0);
        if (range[2] !== "") end = Math.min(end, Number(range[2]));
      }
      if (start > end || start >= size) {
        res.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
    }
    headers["Content-Length"] = String(end - start + 1);
    res.writeHead(status, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const rate = rates[name];
    const body = createReadStream(file, { start, end, highWaterMark: 16 * 1024 });
    (rate ? body.pipe(throttle(rate)) : body).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Start the real backend; resolves once /status answers. */
export async function startBackend({ repo, dataDir, port, apiKey, dist, logPath }) {
  const python = process.env.PYTHON ?? join(repo, ".venv", "bin", "python");
  const { openSync } = await import("node:fs");
  const log = openSync(logPath, "a");
  const child = spawn(python, [join(repo, "backend", "cli.py")], {
    cwd: repo,
    env: {
      ...process.env,
      APP_DATA_DIR: dataDir,
      APP_HOST: "127.0.0.1",
      APP_PORT: String(port),
      APP_API_KEY: apiKey,
      ALLOW_LOCAL_SOURCES: "true",
      FRONTEND_DIST: dist,
      LOG_LEVEL: "INFO",
    },
    stdio: ["ignore", log, log],
    detached: true, // its own process group, so the whole tree can be stopped
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let exited = null;
  child.on("exit", (code, signal) => {
    exited = code ?? signal;
  });
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`backend exited early (${exited}); see ${logPath}`);
    try {
      const res = await fetch(`${base}/status`);
      if (res.ok) return { child, base };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  stopProcess(child);
  throw new Error(`backend did not answer /status within 60 s; see ${logPath}`);
}

/** Stop a detached child and its process group: TERM, then KILL after a grace period. */
export async function stopProcess(child, graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = new Promise((resolve) => setTimeout(() => resolve("timeout"), graceMs));
  if ((await Promise.race([gone, timer])) === "timeout") {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await gone;
  }
}

/** A small JSON client for seeding, with the API key. */
export function apiClient(base, apiKey) {
  async function request(method, path, body) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { "X-API-KEY": apiKey, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return data;
  }
  return {
    get: (path) => request("GET", path),
    post: (path, body) => request("POST", path, body),
    patch: (path, body) => request("PATCH", path, body),
    delete: (path) => request("DELETE", path),
  };
}

/** Poll until `check` returns a truthy value. */
export async function waitFor(
  check,
  { timeout = 30_000, interval = 250, what = "condition" } = {},
) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(
    `timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`,
  );
}

/**
 * Start `python -m <module> <args>` from the repository root (a stand-in or a receiver from
 * tests/utils) in its own process group; resolves with the child and the port it printed as
 * `PORT=<n>`. `cleanups` (run.mjs's) gets its stop, so it ends on failure or Ctrl-C too.
 */
export async function startProgram({ repo, module, args = [], what, cleanups }) {
  const python = process.env.PYTHON ?? join(repo, ".venv", "bin", "python");
  const child = spawn(python, ["-m", module, ...args], {
    cwd: repo,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  cleanups?.push(() => stopProcess(child));
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  try {
    const port = await waitFor(() => /PORT=(\d+)/.exec(output)?.[1], {
      timeout: 30_000,
      interval: 100,
      what: `${what} to print its port`,
    });
    return { child, port: Number(port), url: `http://127.0.0.1:${port}` };
  } catch (err) {
    await stopProcess(child);
    throw new Error(`${err.message}; its output: ${output.slice(-500)}`, { cause: err });
  }
}
