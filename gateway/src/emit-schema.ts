import { readFile, writeFile } from "node:fs/promises";
import { lexicographicSortSchema, printSchema } from "graphql";
import { buildRegistrySchema } from "./schema.js";

const HEADER = "# Generated from gateway/src by `npm run generate`. Do not edit by hand.\n\n";

/**
 * Writes the SDL to each file named (schema.graphql, and the copy @homer/sdk ships),
 * or with `--check` fails when one is stale.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const files = args.filter((a) => !a.startsWith("--"));
  const sdl = HEADER + printSchema(lexicographicSortSchema(await buildRegistrySchema()));
  for (const file of files.length > 0 ? files : ["schema.graphql"]) {
    if (!check) {
      await writeFile(file, sdl);
      continue;
    }
    const current = await readFile(file, "utf8").catch(() => "");
    if (current !== sdl) {
      process.stderr.write(`${file} is stale: run \`npm run generate\` and commit the result.\n`);
      process.exit(1);
    }
  }
}

await main();
