import type { ReactNode } from "react";
import { errorMessage } from "../../api/client";
import {
  useSystemStatus,
  type DiskSpace,
  type HealthCheck,
  type SystemStatus,
} from "../../hooks/queries/system";
import { formatDateTime, formatSize } from "../../lib/format";
import { ErrorState, Loading } from "../States";

const ENGINES: Record<string, string> = { sqlite: "SQLite", postgresql: "PostgreSQL" };

/** A free share below this is shown as running out. */
const LOW_FREE_SHARE = 0.1;

/** How long the server has run, in its two largest units ("3 days, 4 hours"). */
export function formatUptime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 60) return "less than a minute";
  const units: [number, string][] = [
    [Math.floor(seconds / 86_400), "day"],
    [Math.floor((seconds % 86_400) / 3_600), "hour"],
    [Math.floor((seconds % 3_600) / 60), "minute"],
  ];
  const first = units.findIndex(([n]) => n > 0);
  return units
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}${n === 1 ? "" : "s"}`)
    .join(", ");
}

/** The checks that fail first, each group in the server's order. */
export function failingFirst(checks: HealthCheck[]): HealthCheck[] {
  return [...checks.filter((c) => !c.ok), ...checks.filter((c) => c.ok)];
}

function Fact({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="fact" data-fact={id}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Missing() {
  return <span className="muted">not found</span>;
}

function About({ about }: { about: SystemStatus["about"] }) {
  return (
    <section className="panel" aria-labelledby="about-heading">
      <h2 id="about-heading">About</h2>
      <dl className="facts">
        <Fact id="version" label="Version">
          {about.version}
        </Fact>
        <Fact id="ytdlp" label="yt-dlp">
          {about.ytdlp_version ?? <Missing />}
        </Fact>
        <Fact id="ffmpeg" label="ffmpeg">
          {about.ffmpeg_version ?? <Missing />}
        </Fact>
        <Fact id="ffprobe" label="ffprobe">
          {about.ffprobe_version ?? <Missing />}
        </Fact>
        <Fact id="python" label="Python">
          {about.python_version}
        </Fact>
        <Fact id="platform" label="Platform">
          {about.platform}
        </Fact>
        <Fact id="database" label="Database">
          {ENGINES[about.database_engine] ?? about.database_engine}
        </Fact>
        <Fact id="database_size" label="Database size">
          {about.database_size == null ? (
            <span className="muted">unknown</span>
          ) : (
            <span title={`${about.database_size} bytes`}>{formatSize(about.database_size)}</span>
          )}
        </Fact>
        <Fact id="started" label="Started">
          <time dateTime={about.started_at}>{formatDateTime(about.started_at)}</time>
        </Fact>
        <Fact id="uptime" label="Uptime">
          {formatUptime(about.uptime_seconds)}
        </Fact>
        <div className="fact fact-wide" data-fact="database_url">
          <dt>Database URL</dt>
          <dd>
            <code>{about.database_url}</code>
          </dd>
        </div>
        <div className="fact fact-wide" data-fact="data_dir">
          <dt>Data folder</dt>
          <dd>
            <code>{about.data_dir}</code>
          </dd>
        </div>
      </dl>
    </section>
  );
}

function Health({ checks }: { checks: HealthCheck[] }) {
  const failing = checks.filter((c) => !c.ok).length;
  return (
    <section className="panel" aria-labelledby="health-heading">
      <h2 id="health-heading">Health</h2>
      <p className={failing ? "field-error" : "muted"} data-summary="health">
        {failing === 0
          ? `All ${checks.length} checks pass.`
          : `${failing} of ${checks.length} checks fail: what to do is under each.`}
      </p>
      <ul className="health-list" aria-label="Health checks">
        {failingFirst(checks).map((check) => (
          <li
            key={check.name}
            className={`health-check ${check.ok ? "is-ok" : "is-failing"}`}
            data-check={check.name}
            data-ok={check.ok}
          >
            <span className={`badge ${check.ok ? "badge-pass" : "badge-fail"}`}>
              {check.ok ? "OK" : "Failing"}
            </span>
            <strong className="health-name">{check.name}</strong>
            <span className="health-message">{check.message}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function UsedBar({ disk }: { disk: DiskSpace }) {
  if (disk.total == null || disk.free == null || disk.total <= 0) return null;
  const used = Math.min(1, Math.max(0, (disk.total - disk.free) / disk.total));
  const percent = Math.round(used * 100);
  const low = disk.free / disk.total < LOW_FREE_SHARE;
  return (
    <div
      className="disk-meter"
      role="meter"
      aria-label={`Space used on ${disk.path}`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`${percent}% used`}
    >
      <div className={`disk-meter-used ${low ? "is-low" : ""}`} style={{ width: `${percent}%` }} />
    </div>
  );
}

function Size({ bytes, col }: { bytes: number | null | undefined; col: string }) {
  return (
    <td className="num" data-col={col} title={bytes == null ? undefined : `${bytes} bytes`}>
      {formatSize(bytes)}
    </td>
  );
}

function Disks({ disks }: { disks: DiskSpace[] }) {
  return (
    <section className="panel" aria-labelledby="disk-heading">
      <h2 id="disk-heading">Disk space</h2>
      <div className="table-wrap">
        <table className="table disk-table">
          <caption className="visually-hidden">Disk space of each folder</caption>
          <thead>
            <tr>
              <th scope="col">Location</th>
              <th scope="col" className="num">
                Free
              </th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col">Used</th>
            </tr>
          </thead>
          <tbody>
            {disks.map((disk) => (
              <tr key={disk.path} data-path={disk.path}>
                <td>
                  <div className="disk-path">{disk.path}</div>
                  <div className="muted">{disk.label}</div>
                </td>
                {disk.error ? (
                  <td colSpan={3} className="field-error" data-col="error">
                    {disk.error}
                  </td>
                ) : (
                  <>
                    <Size bytes={disk.free} col="free" />
                    <Size bytes={disk.total} col="total" />
                    <td className="disk-bar">
                      <UsedBar disk={disk} />
                    </td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** System → Status, as in Radarr: About, Health (failing checks first), Disk space. */
export function StatusPanel() {
  const status = useSystemStatus();
  if (status.error && !status.data) {
    return <ErrorState error={status.error} onRetry={() => void status.refetch()} />;
  }
  if (!status.data) return <Loading label="Loading the status" />;
  const { about, health, disk_space } = status.data;
  return (
    <div className="status-panel">
      {status.error && (
        <p className="field-error" role="alert">
          Could not refresh the status: {errorMessage(status.error)}
        </p>
      )}
      <Health checks={health} />
      <About about={about} />
      <Disks disks={disk_space} />
    </div>
  );
}
