import { errorMessage } from "../../api/client";
import {
  logFileHref,
  useLogFiles,
  useLogLevel,
  useLogLines,
  useSetLogLevel,
  type LogLevel,
  type LogLine,
  type LogLinesQuery,
  type SettableLogLevel,
} from "../../hooks/queries/logs";
import { formatDateTime, formatSize, type DateOptions } from "../../lib/format";
import { useQueryState, useSearchBox } from "../../lib/hooks";
import { SelectField, TextField } from "../Fields";
import { Empty, ErrorState, Loading } from "../States";

const LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

/** The levels the app can be set to log from, as the server takes them. */
export const SETTABLE_LEVELS: readonly SettableLogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR"];

const SHOW_OPTIONS = [
  { value: "", label: "All levels" },
  { value: "INFO", label: "Info and up" },
  { value: "WARNING", label: "Warning and up" },
  { value: "ERROR", label: "Error and up" },
  { value: "CRITICAL", label: "Critical" },
];

const LEVEL_HINT: Record<SettableLogLevel, string> = {
  DEBUG: "Everything, with a line per HTTP request: for finding a problem",
  INFO: "What Trailarr does (the default)",
  WARNING: "Warnings and errors only",
  ERROR: "Errors only",
};

/** The lines' query from the page's URL (`level`, `search`); unknown levels are left out. */
export function linesQuery(params: URLSearchParams): LogLinesQuery {
  const level = params.get("level")?.toUpperCase() as LogLevel | undefined;
  const search = params.get("search")?.trim();
  return {
    ...(level && LEVELS.includes(level) ? { level } : {}),
    ...(search ? { search } : {}),
  };
}

/** A record's time in the viewer's (or the given) time zone, to the millisecond. */
export function formatLogTime(iso: string | null, options: DateOptions = {}): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(options.locale, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    fractionalSecondDigits: 3,
    hourCycle: "h23",
    timeZone: options.timeZone,
  }).format(date);
}

function LevelBadge({ level }: { level: LogLevel | null }) {
  if (!level) return <span className="muted">—</span>;
  return <span className={`log-level log-level-${level.toLowerCase()}`}>{level}</span>;
}

function LineRow({ line }: { line: LogLine }) {
  const [first, ...rest] = line.message.split("\n");
  return (
    <tr data-level={line.level ?? "none"}>
      <td className="log-time" data-col="time">
        {line.time ? <time dateTime={line.time}>{formatLogTime(line.time)}</time> : "—"}
      </td>
      <td data-col="level">
        <LevelBadge level={line.level} />
      </td>
      <td className="log-logger" data-col="logger">
        {line.logger ?? "—"}
      </td>
      <td className="log-message" data-col="message">
        {first}
        {rest.length > 0 && <pre className="log-traceback">{rest.join("\n")}</pre>}
      </td>
    </tr>
  );
}

/** The level Trailarr logs from, changed at once and kept across restarts. */
function LogLevelSetting() {
  const level = useLogLevel();
  const change = useSetLogLevel();
  const current = level.data?.level;
  const choices: readonly string[] =
    current && !SETTABLE_LEVELS.includes(current as SettableLogLevel)
      ? [current, ...SETTABLE_LEVELS]
      : SETTABLE_LEVELS;
  if (level.error && !level.data) {
    return <ErrorState error={level.error} onRetry={() => void level.refetch()} />;
  }
  return (
    <div className="logs-level">
      <SelectField
        label="Log level"
        name="log_level"
        value={(change.isPending && change.variables) || current || ""}
        onChange={(value) => change.mutate(value as SettableLogLevel)}
        options={choices.map((value) => ({ value, label: value }))}
        hint={current && (LEVEL_HINT[current as SettableLogLevel] ?? "Critical errors only")}
        error={change.error ? errorMessage(change.error) : undefined}
      />
      <span className="field-hint" role="status">
        {change.isPending
          ? "Saving…"
          : change.isSuccess && current
            ? `Saved: Trailarr logs from ${current} on, also after a restart`
            : ""}
      </span>
    </div>
  );
}

function LogFiles() {
  const files = useLogFiles();
  if (files.error && !files.data) {
    return <ErrorState error={files.error} onRetry={() => void files.refetch()} />;
  }
  if (!files.data) return <Loading label="Loading log files" />;
  if (files.data.length === 0) return <Empty>No log files yet</Empty>;
  return (
    <div className="table-wrap">
      <table className="table logs-files-table">
        <caption className="visually-hidden">Log files</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Last written</th>
          </tr>
        </thead>
        <tbody>
          {files.data.map((file) => (
            <tr key={file.name} data-file={file.name}>
              <td>
                <a href={logFileHref(file.name)} download={file.name}>
                  {file.name}
                </a>
              </td>
              <td className="num">{formatSize(file.size)}</td>
              <td>{formatDateTime(file.modified)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * System → Logs: the most recent log lines (a level and a search to narrow them), read
 * again every 10 s; the level Trailarr logs from; the log files to download.
 */
export function LogsPanel() {
  const [params, update] = useQueryState();
  const query = linesQuery(params);
  const [search, setSearch] = useSearchBox(params, update, "search");
  const lines = useLogLines(query);
  const files = useLogFiles();
  const refresh = () => {
    void lines.refetch();
    void files.refetch();
  };
  return (
    <section className="panel" aria-labelledby="logs-heading">
      <header className="page-header">
        <h2 id="logs-heading">Logs</h2>
        <button
          type="button"
          className="btn btn-small"
          onClick={refresh}
          disabled={lines.isFetching}
        >
          Refresh
        </button>
      </header>
      <LogLevelSetting />
      <form
        className="toolbar"
        role="search"
        aria-label="Log filters"
        onSubmit={(e) => e.preventDefault()}
      >
        <TextField
          label="Search"
          name="search"
          type="search"
          value={search}
          onChange={setSearch}
          placeholder="Logger or message"
        />
        <SelectField
          label="Show"
          name="level"
          value={query.level ?? ""}
          onChange={(value) => update({ level: value })}
          options={SHOW_OPTIONS}
        />
      </form>
      {lines.error && !lines.data ? (
        <ErrorState error={lines.error} onRetry={() => void lines.refetch()} />
      ) : !lines.data ? (
        <Loading label="Loading log lines" />
      ) : lines.data.length === 0 ? (
        <Empty>{query.level || query.search ? "No lines match" : "No log lines yet"}</Empty>
      ) : (
        <div className="table-wrap" aria-busy={lines.isPlaceholderData || undefined}>
          <table className="table logs-table">
            <caption className="visually-hidden">Recent log lines, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Level</th>
                <th scope="col">Logger</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {lines.data.map((line, index) => (
                <LineRow key={`${line.time}-${index}`} line={line} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Log files</h3>
      <LogFiles />
    </section>
  );
}
