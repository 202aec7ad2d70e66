import { ROLES, type Grant, type Role } from "@homer/sdk";
import { parse } from "./args.js";
import type { Command, Options } from "./command.js";
import { table, UsageError } from "./output.js";
import { shown } from "./terminal.js";

function grantOf(text: string): Grant {
  const colon = text.lastIndexOf(":");
  const role = text.slice(colon + 1) as Role;
  if (colon <= 0 || !ROLES.includes(role))
    throw new UsageError(`--grant takes PROJECT:ROLE with ROLE one of ${ROLES.join(", ")}, got "${text}"`);
  return { project: text.slice(0, colon), role };
}

const PROJECTS_USAGE = "homer projects create NAME | homer projects list";
export const projects: Command = {
  usage: PROJECTS_USAGE,
  summary: "create or list projects (an admin key for every project creates)",
  actions: ["create", "list"],
  async run(args, io) {
    const [action, ...rest] = args;
    const { positionals } = parse(rest, {}, PROJECTS_USAGE, io);
    const admin = async () => (await io.connection()).getAdmin();
    if (action === "create" && positionals.length === 1) {
      const project = await (await admin()).createProject(positionals[0]!);
      io.print(io.json ? `${JSON.stringify(project)}\n` : `created project ${shown(project.name)}\n`);
      return 0;
    }
    if (action === "list" && positionals.length === 0) {
      const list = await (await admin()).listProjects();
      io.print(
        io.json
          ? `${JSON.stringify(list)}\n`
          : table(
              ["PROJECT", "CREATED"],
              list.map((p) => [p.name, p.createdAt.toISOString()]),
            ),
      );
      return 0;
    }
    throw new UsageError(`usage: ${PROJECTS_USAGE}`);
  },
};

const KEYS_USAGE = "homer keys create --name NAME --grant PROJECT:ROLE [--grant …] | homer keys list | homer keys revoke ID";
const KEYS_OPTIONS = { name: { type: "string" }, grant: { type: "string", multiple: true } } as const satisfies Options;
export const keys: Command = {
  usage: KEYS_USAGE,
  summary: "create (secret shown once), list or revoke API keys",
  options: KEYS_OPTIONS,
  actions: ["create", "list", "revoke"],
  async run(args, io) {
    const [action, ...rest] = args;
    const { values, positionals } = parse(rest, KEYS_OPTIONS, KEYS_USAGE, io);
    const admin = async () => (await io.connection()).getAdmin();
    if (action === "create" && positionals.length === 0) {
      if (!values.name) throw new UsageError(`--name is required\nusage: ${KEYS_USAGE}`);
      const grants = (values.grant ?? []).map(grantOf);
      if (grants.length === 0) throw new UsageError(`a key needs at least one --grant PROJECT:ROLE\nusage: ${KEYS_USAGE}`);
      const { apiKey, secret } = await (await admin()).createApiKey({ name: values.name, grants });
      io.print(
        io.json
          ? `${JSON.stringify({ ...apiKey, secret })}\n`
          : `created key ${shown(apiKey.id)} (${shown(apiKey.grants.map((g) => `${g.project}:${g.role}`).join(", "))})\n` +
              `secret, shown only now — use it as HOMER_API_KEY:\n${secret}\n`,
      );
      return 0;
    }
    if (action === "list" && positionals.length === 0) {
      const list = await (await admin()).listApiKeys();
      const rows = list.map((k) => [
        k.id,
        k.name,
        k.grants.map((g) => `${g.project}:${g.role}`).join(","),
        k.revokedAt ? "revoked" : "active",
        k.createdAt.toISOString(),
      ]);
      io.print(io.json ? `${JSON.stringify(list)}\n` : table(["ID", "NAME", "GRANTS", "STATUS", "CREATED"], rows));
      return 0;
    }
    if (action === "revoke" && positionals.length === 1) {
      const key = await (await admin()).revokeApiKey(positionals[0]!);
      io.print(io.json ? `${JSON.stringify(key)}\n` : `revoked key ${shown(key.id)}\n`);
      return 0;
    }
    throw new UsageError(`usage: ${KEYS_USAGE}`);
  },
};
