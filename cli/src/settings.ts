import type { StoredLogin } from "./config-file.js";

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
