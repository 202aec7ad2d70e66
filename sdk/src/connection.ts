import type { Client } from "@urql/core";
import { createClient, resolveOptions, type ConnectionOptions, type ResolvedOptions } from "./client.js";
import { fromCombinedError, RegistryError } from "./errors.js";
import { GatewayVersionDocument } from "./generated/graphql.js";
import type { LocalFiles } from "./local-files.js";
import { ModelRegistry } from "./registry.js";
import { RegistryAdmin } from "./admin.js";
import { assertSupportedSchema, type GatewayVersion } from "./version.js";

/** A connection to a Homer gateway (the design doc's `homer.connection()`). */
export class Connection {
  readonly url: string;
  readonly #client: Client;

  /** @internal use `connection()` */
  constructor(
    private readonly options: ResolvedOptions,
    private readonly files: LocalFiles | undefined,
  ) {
    this.url = options.url;
    this.#client = createClient(options);
  }

  /**
   * The registry of `project` (default: the connection's, else the API key's own).
   * Checks that the gateway answers and speaks a schema this SDK knows, so a wrong
   * URL or key, or a gateway too new or too old, fails here (UNSUPPORTED), not later.
   */
  async getModelRegistry(project?: string): Promise<ModelRegistry> {
    await this.#ping();
    return new ModelRegistry(this.#client, this.options, project ?? this.options.project, this.files);
  }

  /** Projects and API keys (needs a key with an admin role). */
  async getAdmin(): Promise<RegistryAdmin> {
    await this.#ping();
    return new RegistryAdmin(this.#client);
  }

  /** The gateway's release and schema version (`version` query); checks nothing. */
  async gatewayVersion(): Promise<GatewayVersion> {
    const result = await this.#client.query(GatewayVersionDocument, {}).toPromise();
    if (result.error) {
      // Gateways before 0.2.0 had no `version` field (and no schema version).
      if (result.error.graphQLErrors.some((e) => /Cannot query field "version"/.test(e.message))) {
        throw new RegistryError(
          "UNSUPPORTED",
          `the gateway at ${this.url} predates versioned schemas (release < 0.2.0): upgrade the gateway`,
        );
      }
      throw fromCombinedError(result.error, `connecting to ${this.url}`, this.url);
    }
    const version = result.data?.version as Partial<GatewayVersion> | null | undefined;
    if (typeof version?.gateway !== "string" || typeof version.schema !== "string") {
      throw new RegistryError("UNSUPPORTED", `the gateway at ${this.url} sent no readable version: is it a Homer gateway?`);
    }
    return { gateway: version.gateway, schema: version.schema };
  }

  async #ping(): Promise<void> {
    assertSupportedSchema(await this.gatewayVersion(), this.url);
  }
}

/** @internal each entry point binds its own local-file support */
export function connectionFactory(files: LocalFiles | undefined, webSocket: unknown) {
  return (options: ConnectionOptions = {}): Connection => new Connection(resolveOptions(options, webSocket), files);
}
