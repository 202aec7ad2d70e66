import { readFileSync } from "node:fs";

/**
 * The version of the public GraphQL contract, `major.minor`: a minor release only
 * adds (types, fields, arguments with defaults); anything a client could notice
 * otherwise (a removed or renamed field, a new required argument, another meaning)
 * is a new major. Clients (the SDK) state the majors they speak.
 */
export const SCHEMA_VERSION = "1.0";

/** The gateway's release (its package.json `version`), read once where the code runs. */
export const GATEWAY_VERSION: string = (() => {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
  if (typeof manifest.version !== "string") throw new Error("gateway/package.json has no version");
  return manifest.version;
})();
