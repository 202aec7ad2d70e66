// Renders bench/.data/floors-results.json (written by `npm run bench -- floors`) as an
// SVG bar chart of throughput per stack, and screenshots it to a PNG with the
// system's Chromium (playwright-core; no browser is downloaded).
//   node bench/floors/plot.mjs [results.json] [out.png]
import fs from "node:fs/promises";
import path from "node:path";
import { ROOT } from "../lib.mjs";
import { escapeXml as esc, writeSvgAndPng } from "../render-png.mjs";

const input = process.argv[2] ?? path.join(ROOT, "bench", ".data", "floors-results.json");
const output = process.argv[3] ?? path.join(ROOT, "docs", "bench-throughput.png");
const data = JSON.parse(await fs.readFile(input, "utf8"));
// One group of bars per backend (older files: SQLite only, at the top level).
const LABELS = { sqlite: "SQLite", postgres: "PostgreSQL" };
const groups = data.backends ?? [{ name: "sqlite", results: data.results }];
const groupH = 34;

const W = 1200;
const rowH = 54;
const left = 340;
const top = 70;
const H = top + groups.reduce((sum, g) => sum + groupH + g.results.length * rowH, 0) + 60;
const all = groups.flatMap((g) => g.results);
const max = Math.ceil((Math.max(...all.map((r) => r.rpsMax)) * 1.05) / 100) * 100;
const x = (v) => left + (v / max) * (W - left - 340);
let bars = "";
let y0 = top;
for (const group of groups) {
  bars += `<text x="20" y="${y0 + 22}" font-size="15" font-weight="bold">${LABELS[group.name] ?? group.name}</text>`;
  y0 += groupH;
  group.results.forEach((r, i) => plotRow(r, y0 + i * rowH));
  y0 += group.results.length * rowH;
}
function plotRow(r, y) {
  const color = r.id === "homer" ? "#c0392b" : r.id === "floor" ? "#34495e" : "#7f8c8d";
  bars += `<text x="${left - 10}" y="${y + 22}" text-anchor="end" font-size="14">${esc(r.label)}</text>`;
  bars += `<rect x="${left}" y="${y + 6}" width="${x(r.rps) - left}" height="26" fill="${color}"/>`;
  // min–max of the rounds
  bars += `<line x1="${x(r.rpsMin)}" x2="${x(r.rpsMax)}" y1="${y + 19}" y2="${y + 19}" stroke="#000" stroke-width="2"/>`;
  bars += `<line x1="${x(r.rpsMin)}" x2="${x(r.rpsMin)}" y1="${y + 12}" y2="${y + 26}" stroke="#000" stroke-width="2"/>`;
  bars += `<line x1="${x(r.rpsMax)}" x2="${x(r.rpsMax)}" y1="${y + 12}" y2="${y + 26}" stroke="#000" stroke-width="2"/>`;
  bars += `<text x="${x(r.rpsMax) + 8}" y="${y + 24}" font-size="13">${Math.round(r.rps)} req/s · ${Math.round(r.ratio * 100)} % · ${Math.round(r.cpuUsPerReq)} µs CPU/req</text>`;
}
let ticks = "";
for (let i = 0; i <= 5; i++) {
  const v = (max / 5) * i; // max is a multiple of 100
  ticks += `<line x1="${x(v)}" x2="${x(v)}" y1="${top}" y2="${H - 50}" stroke="#ddd"/>`;
  ticks += `<text x="${x(v)}" y="${H - 32}" text-anchor="middle" font-size="12">${Math.round(v)}</text>`;
}
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="28" font-size="17" font-weight="bold">Sorted first page (${data.versions} versions, first: 50, ${data.connections} connections, ${groups.map((g) => LABELS[g.name] ?? g.name).join(" and ")})</text>
<text x="20" y="50" font-size="13">req/s, median of ${data.rounds} interleaved rounds of ${data.seconds} s; whiskers: min–max; % of the floor; server CPU per request</text>
${ticks}${bars}
<text x="${(left + x(max)) / 2}" y="${H - 10}" text-anchor="middle" font-size="12">requests per second</text>
</svg>`;

await writeSvgAndPng(svg, W, H, output);
console.log(`wrote ${path.relative(ROOT, output)}`);
