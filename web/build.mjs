#!/usr/bin/env node
// Builds the web app into web/dist (run by the root `build` and `prepare`). Vite needs
// Node 20.19+ or 22.12+; on an older Node the registry still installs and serves its
// API (pages answer 503 with how to build), so the build is skipped with a warning
// rather than failing `npm install`.
import { fileURLToPath } from "node:url";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const supported = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23;
if (!supported) {
  console.warn(`homer: the web app was not built: Vite needs Node 20.19+ or 22.12+, this is ${process.versions.node}`);
  process.exit(0);
}
const { build } = await import("vite");
await build({ root: fileURLToPath(new URL(".", import.meta.url)), logLevel: "warn" });
