// One download for bench/sdk-download-pair.mjs, in a process of its own:
//   node bench/sdk-download-once.mjs <path/to/node/download.js> <files.json> <origin> <dir> <options json>
// Prints {"seconds","user","system"} of the download (import excluded), then removes <dir>.
import fs from "node:fs/promises";

const [module, filesJson, origin, dir, options] = process.argv.slice(2);
const { downloadModel } = await import(module);
const files = JSON.parse(await fs.readFile(filesJson, "utf8"));
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
await downloadModel({ files }, dir, { headers: {}, origin, ...JSON.parse(options) });
const used = process.cpuUsage(cpu);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await fs.rm(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ seconds, user: used.user / 1e6, system: used.system / 1e6 }));
