import { useId } from "react";
import { Link } from "react-router-dom";

export interface Bar {
  label: string;
  value: number;
  href?: string | undefined;
}

interface BarChartProps {
  title: string;
  bars: readonly Bar[];
  /** How a value reads in words ("3 downloads"). */
  unit?: string;
}

/** Horizontal bars drawn with CSS; the numbers are text, so they read without the bars. */
export function BarChart({ title, bars, unit = "" }: BarChartProps) {
  const id = useId();
  const max = Math.max(1, ...bars.map((b) => b.value));
  const total = bars.reduce((sum, b) => sum + b.value, 0);
  return (
    <figure className="chart" aria-labelledby={id}>
      <figcaption id={id}>{title}</figcaption>
      {bars.length === 0 ? (
        <p className="muted">No data yet.</p>
      ) : (
        <ul className="bars">
          {bars.map((b, i) => {
            const share = total ? Math.round((b.value / total) * 100) : 0;
            return (
              <li key={`${i}-${b.label}`} className="bar-row">
                <span className="bar-label" title={b.label}>
                  {b.href ? <Link to={b.href}>{b.label}</Link> : b.label}
                </span>
                <span className="bar-track" aria-hidden="true">
                  <span className="bar-fill" style={{ width: `${(b.value / max) * 100}%` }} />
                </span>
                <span className="bar-value">
                  {b.value}
                  {unit ? ` ${unit}` : ""} <span className="muted">({share}%)</span>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </figure>
  );
}
