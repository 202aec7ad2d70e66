import { isGatewayUrl, redactedUrl, type StoredLogin } from "./config-file.js";
import { UsageError } from "./output.js";
import { shown } from "./terminal.js";

/** Where homer connects and as whom; undefined leaves the SDK's default. */
export interface Settings {
  readonly url?: string;
  readonly apiKey?: string;
  readonly project?: string;
}

/** Set and non-empty: an empty variable counts as unset, as the SDK has it. */
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === "" ? undefined : value;
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

/**
 * Each setting from the first that has it: flags, then HOMER_URL, HOMER_API_KEY
 * and HOMER_PROJECT, then the login stored by `homer login`, then the defaults.
 * The stored key and project belong to the stored URL: they are used only when
 * no URL is given or the given one is the stored one, so a key is never sent to
 * a gateway it was not stored for.
 */
export function resolveSettings(flags: Settings, env: NodeJS.ProcessEnv, stored: StoredLogin | null): Settings {
  const url = flags.url ?? variable(env, "HOMER_URL");
  const login = stored && (url === undefined || sameUrl(url, stored.url)) ? stored : null;
  return {
    url: url ?? login?.url,
    apiKey: flags.apiKey ?? variable(env, "HOMER_API_KEY") ?? login?.apiKey,
    project: flags.project ?? variable(env, "HOMER_PROJECT") ?? login?.project,
  };
}

/**
 * Refuses, as a usage error (exit 2), a URL from --url or HOMER_URL that homer cannot talk to:
 * not absolute http(s), or holding `user:password@`. Sent on, such a URL failed as "could not
 * reach the registry" (exit 6, as if the network were down) and the error repeated the password.
 * A stored URL was checked when the config file was read.
 */
export function checkGivenUrl(flags: Settings, env: NodeJS.ProcessEnv): void {
  const [from, url] = flags.url !== undefined ? ["--url", flags.url] : ["HOMER_URL", variable(env, "HOMER_URL")];
  if (url === undefined || isGatewayUrl(url)) return;
  throw new UsageError(
    `${from} must be an absolute http or https URL without user:password@ (give the key with --api-key, ` +
      `HOMER_API_KEY or homer login), got ${shown(JSON.stringify(redactedUrl(url)))}`,
  );
}
