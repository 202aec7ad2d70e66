// Renders bench/.data/family-size-results.json (written by `npm run bench -- family-size`)
// as a line chart: first-page and totalCount latency against family size, both axes
// logarithmic, one line per backend and call, whiskers for the min–max of the rounds.
//   node bench/family-size-plot.mjs [results.json] [out.png]
import fs from "node:fs/promises";
import path from "node:path";
import { ROOT } from "./lib.mjs";
import { escapeXml as esc, writeSvgAndPng } from "./render-png.mjs";

const input = process.argv[2] ?? path.join(ROOT, "bench", ".data", "family-size-results.json");
const output = process.argv[3] ?? path.join(ROOT, "docs", "bench-family-size.png");
const data = JSON.parse(await fs.readFile(input, "utf8"));

const sizeLabel = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1000 ? `${n / 1000}k` : String(n));
const LABELS = { sqlite: "SQLite", postgres: "PostgreSQL" };
const COLORS = { sqlite: "#2471a3", postgres: "#c0392b" };
const CALLS = [
  { id: "page", label: "first page", dash: "" },
  { id: "count", label: "totalCount", dash: "7 5" },
];

const W = 1100;
const H = 640;
const plot = { left: 90, right: W - 260, top: 80, bottom: H - 70 };
const sizes = data.backends[0].sizes.map((s) => s.versions);
const values = data.backends.flatMap((b) => b.sizes.flatMap((s) => CALLS.flatMap((c) => [s[c.id].min, s[c.id].max])));
const yLo = 10 ** Math.floor(Math.log10(Math.min(...values)));
const yHi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
const xLo = Math.log10(sizes[0]);
const xHi = Math.log10(sizes.at(-1));
const x = (n) => plot.left + ((Math.log10(n) - xLo) / (xHi - xLo || 1)) * (plot.right - plot.left);
const y = (ms) => plot.bottom - ((Math.log10(ms) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo))) * (plot.bottom - plot.top);

let grid = "";
for (let decade = yLo; decade <= yHi * 1.0001; decade *= 10) {
  for (const m of [1, 2, 5]) {
    const v = decade * m;
    if (v > yHi * 1.0001) break;
    grid += `<line x1="${plot.left}" x2="${plot.right}" y1="${y(v)}" y2="${y(v)}" stroke="${m === 1 ? "#ccc" : "#eee"}"/>`;
    grid += `<text x="${plot.left - 8}" y="${y(v) + 4}" text-anchor="end" font-size="12">${+v.toPrecision(2)}</text>`;
  }
}
for (const n of sizes) {
  grid += `<line x1="${x(n)}" x2="${x(n)}" y1="${plot.top}" y2="${plot.bottom}" stroke="#eee"/>`;
  grid += `<text x="${x(n)}" y="${plot.bottom + 20}" text-anchor="middle" font-size="13">${sizeLabel(n)}</text>`;
}

let lines = "";
let legend = "";
let legendY = plot.top + 10;
for (const b of data.backends) {
  for (const c of CALLS) {
    const color = COLORS[b.name] ?? "#555";
    const points = b.sizes.map((s) => `${x(s.versions)},${y(s[c.id].median)}`).join(" ");
    lines += `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2.5" stroke-dasharray="${c.dash}"/>`;
    for (const s of b.sizes) {
      const px = x(s.versions);
      lines += `<line x1="${px}" x2="${px}" y1="${y(s[c.id].min)}" y2="${y(s[c.id].max)}" stroke="${color}" stroke-width="1.5"/>`;
      lines += `<circle cx="${px}" cy="${y(s[c.id].median)}" r="4" fill="${color}"/>`;
    }
    const last = b.sizes.at(-1)[c.id].median;
    legend += `<line x1="${plot.right + 20}" x2="${plot.right + 60}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2.5" stroke-dasharray="${c.dash}"/>`;
    legend += `<text x="${plot.right + 68}" y="${legendY + 4}" font-size="13">${esc(`${LABELS[b.name] ?? b.name} ${c.label}`)}</text>`;
    legend += `<text x="${plot.right + 68}" y="${legendY + 20}" font-size="11" fill="#555">${esc(`${last.toFixed(3)} ms at ${sizeLabel(sizes.at(-1))}`)}</text>`;
    legendY += 44;
  }
}

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="28" font-size="17" font-weight="bold">Sorted first page (first: ${data.page}, with metrics) and totalCount vs family size</text>
<text x="20" y="50" font-size="13">through RegistryService; median of ${data.rounds} rounds (each the median of ${data.perRound.iterations} calls per size, sizes interleaved); whiskers: min–max of the rounds; log–log axes</text>
${grid}${lines}${legend}
<line x1="${plot.left}" x2="${plot.left}" y1="${plot.top}" y2="${plot.bottom}" stroke="#000"/>
<line x1="${plot.left}" x2="${plot.right}" y1="${plot.bottom}" y2="${plot.bottom}" stroke="#000"/>
<text x="${(plot.left + plot.right) / 2}" y="${H - 22}" text-anchor="middle" font-size="13">versions in the family</text>
<text x="24" y="${(plot.top + plot.bottom) / 2}" text-anchor="middle" font-size="13" transform="rotate(-90 24 ${(plot.top + plot.bottom) / 2})">latency, ms</text>
</svg>`;

await writeSvgAndPng(svg, W, H, output);
console.log(`wrote ${path.relative(ROOT, output)}`);
