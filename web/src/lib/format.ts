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

/** A metric value, short but exact enough to tell versions apart: six significant digits. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (Number.isInteger(value)) return String(value);
  // Trailing zeros go from the fraction only: 120000 and 1.5e-10 keep theirs (not 12, 1.5e-1).
  const [mantissa = "", exponent] = value.toPrecision(6).split("e");
  const short = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  return exponent === undefined ? short : `${short}e${exponent}`;
}

/** A signed difference: +0.012, −3. */
export function formatDelta(delta: number): string {
  if (delta === 0) return "±0";
  return `${delta > 0 ? "+" : "−"}${formatMetric(Math.abs(delta))}`;
}
