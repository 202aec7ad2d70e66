import fs from "node:fs/promises";

/**
 * The CLI's version, from its package.json, read when asked: the file sits one
 * level above the built code (cli/dist/ in the repository, dist/ in an installed
 * package), so the answer is the installed package's own.
 */
export async function cliVersion(): Promise<string> {
  const manifest = JSON.parse(await fs.readFile(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
  if (typeof manifest.version !== "string") throw new Error("the CLI's package.json has no version");
  return manifest.version;
}
