import type { Client } from "@urql/core";
import {
  CreateApiKeyDocument,
  CreateProjectDocument,
  ListApiKeysDocument,
  ListProjectsDocument,
  RevokeApiKeyDocument,
  type ApiKeyFieldsFragment,
  type Role as WireRole,
} from "./generated/graphql.js";
import { runOperation } from "./operation.js";

/**
 * The schema's `Role` enum in lower case, weakest first. `satisfies` makes a role the
 * schema adds or drops a compile error here, so the SDK's copy cannot drift from it.
 */
const RANKED = { read: 1, write: 2, admin: 3 } as const satisfies Record<Lowercase<WireRole>, number>;

export type Role = keyof typeof RANKED;

/** Every role, weakest first. */
export const ROLES: readonly Role[] = Object.freeze(Object.keys(RANKED) as Role[]);

/** A role on a project; project "*" means every project. */
export interface Grant {
  readonly project: string;
  readonly role: Role;
}

/** An API key as listed: never its secret. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  readonly grants: readonly Grant[];
  readonly createdAt: Date;
  readonly createdBy: string | null;
  readonly revokedAt: Date | null;
}

export interface ProjectInfo {
  readonly name: string;
  readonly createdAt: Date;
}

function toKey(data: ApiKeyFieldsFragment): ApiKeyInfo {
  return {
    id: data.id,
    name: data.name,
    grants: data.grants.map((g) => ({ project: g.project, role: g.role.toLowerCase() as Role })),
    createdAt: new Date(data.createdAt),
    createdBy: data.createdBy ?? null,
    revokedAt: data.revokedAt ? new Date(data.revokedAt) : null,
  };
}

/** Projects and API keys, for keys with an admin role (`conn.getAdmin()`). */
export class RegistryAdmin {
  /** @internal */
  constructor(private readonly client: Client) {}

  async listProjects(): Promise<ProjectInfo[]> {
    const data = await runOperation(this.client, ListProjectsDocument, {}, "listProjects");
    return data.projects.map((p) => ({ name: p.name, createdAt: new Date(p.createdAt) }));
  }

  /** Needs an admin key for every project (*). */
  async createProject(name: string): Promise<ProjectInfo> {
    const data = await runOperation(this.client, CreateProjectDocument, { name }, `createProject ${name}`, "mutation");
    return { name: data.createProject.name, createdAt: new Date(data.createProject.createdAt) };
  }

  async listApiKeys(): Promise<ApiKeyInfo[]> {
    const data = await runOperation(this.client, ListApiKeysDocument, {}, "listApiKeys");
    return data.apiKeys.map(toKey);
  }

  /** A new key; `secret` is the value to send as the API key, returned only this once. */
  async createApiKey(options: {
    readonly name: string;
    readonly grants: readonly Grant[];
  }): Promise<{ apiKey: ApiKeyInfo; secret: string }> {
    const input = {
      name: options.name,
      grants: options.grants.map((g) => ({ project: g.project, role: g.role.toUpperCase() as "READ" | "WRITE" | "ADMIN" })),
    };
    const data = await runOperation(this.client, CreateApiKeyDocument, { input }, `createApiKey ${options.name}`, "mutation");
    return { apiKey: toKey(data.createApiKey.apiKey), secret: data.createApiKey.secret };
  }

  /** Refused at once on every gateway replica. */
  async revokeApiKey(id: string): Promise<ApiKeyInfo> {
    const data = await runOperation(this.client, RevokeApiKeyDocument, { id }, `revokeApiKey ${id}`, "mutation");
    return toKey(data.revokeApiKey);
  }
}
