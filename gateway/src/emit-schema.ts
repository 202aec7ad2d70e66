import { readFile, writeFile } from "node:fs/promises";
import { lexicographicSortSchema, printSchema } from "graphql";
import { buildRegistrySchema } from "./schema.js";

const HEADER = "# Generated from gateway/src by `npm run generate`. Do not edit by hand.\n\n";

/** Writes the SDL to a file, or with `--check` fails when the file is stale. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const file = args.find((a) => !a.startsWith("--")) ?? "schema.graphql";
  const sdl = HEADER + printSchema(lexicographicSortSchema(await buildRegistrySchema()));
  if (!check) {
    await writeFile(file, sdl);
    return;
  }
  const current = await readFile(file, "utf8").catch(() => "");
  if (current !== sdl) {
    process.stderr.write(`${file} is stale: run \`npm run generate\` and commit the result.\n`);
    process.exit(1);
  }
}

await main();
