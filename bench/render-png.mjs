// SVG to PNG with the system's Chromium (Debian's `chromium` package) through
// playwright-core; no browser is downloaded. The SVG is kept beside the PNG.
import fs from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";

/** Writes `svg` (width x height) to `output` (.png) and the SVG beside it (.svg). */
export async function writeSvgAndPng(svg, width, height, output) {
  await fs.mkdir(path.dirname(output), { recursive: true });
  await fs.writeFile(output.replace(/\.png$/, ".svg"), svg);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: output, clip: { x: 0, y: 0, width, height } });
  } finally {
    await browser.close();
  }
}

export const escapeXml = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");
