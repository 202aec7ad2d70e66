import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatMetric } from "../lib/format";

/** One metric's values by version (null where a version lacks it) and which version is best. */
export interface MetricSeries {
  readonly key: string;
  readonly values: readonly (number | null)[];
  readonly bestVersion: number | null;
}

const COLORS = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2"];

/**
 * Metrics across versions (x = version, y = value), drawn by uPlot (bundled, a
 * canvas), each best version marked with a larger point. The canvas is hidden
 * from assistive technology: the same numbers follow as a table.
 */
export function MetricChart({ versions, series }: { versions: readonly number[]; series: readonly MetricSeries[] }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element || series.length === 0 || versions.length === 0) return;
    const data: uPlot.AlignedData = [
      Float64Array.from(versions),
      ...series.map((s) => s.values.map((v) => v ?? null)),
      ...series.map((s) => versions.map((v, i) => (v === s.bestVersion ? (s.values[i] ?? null) : null))),
    ];
    const dark = matchMedia("(prefers-color-scheme: dark)").matches;
    const ink = dark ? "#d4d4d8" : "#27272a";
    const grid = dark ? "#3f3f46" : "#e4e4e7";
    const plot = new uPlot(
      {
        width: Math.max(320, element.clientWidth),
        height: 280,
        scales: { x: { time: false } },
        axes: [
          // Versions are whole numbers: ticks only at whole steps.
          { label: "version", stroke: ink, grid: { stroke: grid }, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] },
          { label: "value", stroke: ink, grid: { stroke: grid }, values: (_u, ticks) => ticks.map((t) => formatMetric(t)) },
        ],
        series: [
          { label: "version" },
          ...series.map((s, i) => ({
            label: s.key,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            spanGaps: true,
            points: { show: versions.length <= 60 },
            value: (_u: uPlot, v: number | null) => formatMetric(v),
          })),
          ...series.map((s, i) => ({
            label: `best ${s.key}`,
            stroke: COLORS[i % COLORS.length],
            width: 0,
            points: { show: true, size: 12, width: 3, fill: dark ? "#18181b" : "#ffffff" },
            value: (_u: uPlot, v: number | null) => formatMetric(v),
          })),
        ],
        legend: { live: true },
      },
      data,
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, element.clientWidth), height: 280 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [versions, series]);
  return <div className="chart" ref={container} aria-hidden="true" />;
}
