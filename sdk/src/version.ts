import { RegistryError } from "./errors.js";

/**
 * The majors of the gateway's GraphQL contract (`version { schema }`, "major.minor")
 * this SDK speaks. A gateway's minor releases only add, so any 1.x works with an SDK
 * that lists 1; fields newer than the SDK are simply not asked for.
 */
export const SUPPORTED_SCHEMA_MAJORS: readonly number[] = [1];

/** What a gateway runs: its release and its schema version. */
export interface GatewayVersion {
  readonly gateway: string;
  readonly schema: string;
}

/** Throws UNSUPPORTED unless this SDK speaks the gateway's schema major. */
export function assertSupportedSchema(version: GatewayVersion, url: string): void {
  const major = Number(/^(\d+)\.\d+$/.exec(version.schema)?.[1]);
  if (SUPPORTED_SCHEMA_MAJORS.includes(major)) return;
  const speaks = SUPPORTED_SCHEMA_MAJORS.map((m) => `${m}.x`).join(", ");
  const upgrade = Number.isFinite(major) && major > Math.max(...SUPPORTED_SCHEMA_MAJORS) ? "upgrade @homer/sdk" : "upgrade the gateway";
  // The gateway's words go into the message: printable and short only.
  const shown = (text: string) => JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
  throw new RegistryError(
    "UNSUPPORTED",
    `the gateway at ${url} (release ${shown(version.gateway)}) serves schema ${shown(version.schema)}; this SDK speaks ${speaks}: ${upgrade}`,
  );
}
