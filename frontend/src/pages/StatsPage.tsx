import { Link } from "react-router-dom";
import type { CountByKey } from "../api/types";
import { BarChart, type Bar } from "../components/BarChart";
import { ErrorState, Loading } from "../components/States";
import { formatContainer, formatSize } from "../lib/format";
import { useDownloadStats } from "../hooks/queries/downloads";
import { useTitle } from "../lib/hooks";

function bars(
  counts: readonly CountByKey[],
  filter?: string,
  label: (key: string) => string = (key) => key || "unknown",
): Bar[] {
  return [...counts]
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
    .map((c) => ({
      label: label(c.key),
      value: c.count,
      href: filter && c.key ? `/history?${filter}=${encodeURIComponent(c.key)}` : undefined,
    }));
}

export function StatsPage() {
  useTitle("Stats");
  const stats = useDownloadStats();
  if (stats.error) {
    return (
      <section className="page">
        <h1>Stats</h1>
        <ErrorState error={stats.error} onRetry={() => void stats.refetch()} />
      </section>
    );
  }
  if (!stats.data) {
    return (
      <section className="page">
        <h1>Stats</h1>
        <Loading label="Loading stats" />
      </section>
    );
  }
  const s = stats.data;
  const coverage = s.media_total ? Math.round((s.media_with_trailer / s.media_total) * 100) : 0;
  const profileBars: Bar[] = [...s.by_profile]
    .sort((a, b) => b.count - a.count)
    .map((p) => ({
      label: p.profile_id === 0 ? "unknown" : (p.profile_name ?? `deleted (#${p.profile_id})`),
      value: p.count,
      href: `/history?profile_id=${p.profile_id}`,
    }));
  return (
    <section className="page">
      <h1>Stats</h1>
      <div className="cards">
        <div className="card">
          <span className="card-value">{s.downloads_total}</span>
          <span className="card-label">downloads recorded</span>
        </div>
        <div className="card">
          <span className="card-value">{s.downloads_present}</span>
          <span className="card-label">trailer files present</span>
        </div>
        <div className="card">
          <span className="card-value">{formatSize(s.total_size_present)}</span>
          <span className="card-label">on disk</span>
        </div>
        <div className="card">
          <span className="card-value">{coverage}%</span>
          <span className="card-label">of {s.media_total} media have a trailer</span>
        </div>
      </div>
      <section className="panel" aria-labelledby="coverage-heading">
        <h2 id="coverage-heading">Coverage</h2>
        <div
          className="coverage"
          role="img"
          aria-label={`${s.media_with_trailer} media with a trailer, ${s.media_without_trailer} without`}
        >
          <span className="coverage-with" style={{ flexGrow: s.media_with_trailer }} />
          <span className="coverage-without" style={{ flexGrow: s.media_without_trailer }} />
        </div>
        <ul className="legend">
          <li>
            <span className="swatch swatch-with" aria-hidden="true" /> With trailer:{" "}
            <strong>{s.media_with_trailer}</strong>
          </li>
          <li>
            <span className="swatch swatch-without" aria-hidden="true" />{" "}
            <Link to="/?status=missing">Without trailer</Link>:{" "}
            <strong>{s.media_without_trailer}</strong>
          </li>
        </ul>
      </section>
      <div className="charts">
        <BarChart title="Resolutions" bars={bars(s.by_resolution, "resolution")} />
        <BarChart title="Video codecs" bars={bars(s.by_video_format, "video_format")} />
        <BarChart title="Audio codecs" bars={bars(s.by_audio_format, "audio_format")} />
        <BarChart title="Containers" bars={bars(s.by_file_format, undefined, formatContainer)} />
        <BarChart title="Profiles" bars={profileBars} />
      </div>
    </section>
  );
}
