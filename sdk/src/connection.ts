import type { Client } from "@urql/core";
import { gql } from "@urql/core";
import { createClient, resolveOptions, type ConnectionOptions, type ResolvedOptions } from "./client.js";
import { fromCombinedError } from "./errors.js";
import type { LocalFiles } from "./local-files.js";
import { ModelRegistry } from "./registry.js";
import { RegistryAdmin } from "./admin.js";

const PING = gql`
  query HomerPing {
    __typename
  }
`;

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
   * Checks that the gateway answers, so a wrong URL or key fails here, not later.
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

  async #ping(): Promise<void> {
    const result = await this.#client.query(PING, {}).toPromise();
    if (result.error) throw fromCombinedError(result.error, `connecting to ${this.url}`, this.url);
  }
}

/** @internal each entry point binds its own local-file support */
export function connectionFactory(files: LocalFiles | undefined, webSocket: unknown) {
  return (options: ConnectionOptions = {}): Connection => new Connection(resolveOptions(options, webSocket), files);
}
