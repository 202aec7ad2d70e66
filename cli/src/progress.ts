import type { TransferProgress } from "@homer/sdk";
import { formatBytes } from "./output.js";
import { shown } from "./terminal.js";

/**
 * A one-line progress bar on stderr, redrawn at most ten times a second; silent
 * when stderr is not a terminal (CI logs, pipes) or output is JSON.
 */
export function progressBar(label: string, enabled: boolean): { update(p: TransferProgress): void; done(): void } {
  if (!enabled || !process.stderr.isTTY) return { update() {}, done() {} };
  let last = 0;
  let drawn = false;
  const started = Date.now();
  const draw = (p: TransferProgress) => {
    const width = 30;
    const ratio = p.total === 0 ? 1 : p.bytes / p.total;
    const bar = "#".repeat(Math.round(ratio * width)).padEnd(width, "-");
    const rate = p.bytes / Math.max((Date.now() - started) / 1000, 0.001);
    const percent = `${(ratio * 100).toFixed(0).padStart(3)}%`;
    const amount = `${formatBytes(p.bytes)}/${formatBytes(p.total)} ${formatBytes(rate)}/s`;
    const line = `${shown(label)} [${bar}] ${percent} ${amount} ${shown(p.path)}`;
    process.stderr.write(`\r${line.slice(0, (process.stderr.columns ?? 100) - 1).padEnd((process.stderr.columns ?? 100) - 1)}`);
    drawn = true;
  };
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 100 && p.bytes < p.total) return;
      last = now;
      draw(p);
    },
    done() {
      if (drawn) process.stderr.write("\n");
    },
  };
}
