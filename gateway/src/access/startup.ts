import type { Logger } from "pino";
import { ConfigError, type Config } from "../config.js";
import { isLoopback } from "../domain/loopback.js";
import type { AccessService } from "./access.service.js";

// Re-exported so app.ts keeps its import while gateway core is being restructured.

/**
 * Secure by default, easy by default: bootstraps the first admin key when asked,
 * allows running without keys only on loopback (or with --insecure, loudly), and
 * refuses to serve an open registry to the network.
 */
export async function guardStartup(config: Config, access: AccessService, log: Logger): Promise<void> {
  const generated = await access.bootstrap(config.adminKey);
  if (generated && config.adminKey === "generate") {
    // Shown once: only its digest is stored.
    process.stderr.write(
      `\nHomer generated the first admin key (all projects). It is shown only now; store it safely:\n\n  ${generated.token}\n\n`,
    );
  }
  if (await access.keysExist()) return;
  if (isLoopback(config.host)) {
    log.warn("no API keys exist: anyone on this machine may read and write every project (create a key to lock it)");
    return;
  }
  if (config.insecure) {
    log.warn(
      { host: config.host },
      "--insecure: serving WITHOUT API keys on a non-loopback address; anyone who can reach it has full access",
    );
    return;
  }
  throw new ConfigError(
    `refusing to serve on ${config.host} without API keys: set HOMER_ADMIN_KEY=generate (or --admin-key generate) ` +
      "to create the first admin key, or pass --insecure to accept an open registry",
  );
}
