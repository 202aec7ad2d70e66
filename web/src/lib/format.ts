/** Sizes as people read them: 1.5 MB, 320 B. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit++;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A date and time in the reader's locale. */
export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** A metric value, short but exact enough to tell versions apart. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, "");
}

/** A signed difference: +0.012, −3. */
export function formatDelta(delta: number): string {
  if (delta === 0) return "±0";
  return `${delta > 0 ? "+" : "−"}${formatMetric(Math.abs(delta))}`;
}
