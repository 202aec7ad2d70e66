#!/usr/bin/env node
import { connection } from "@homer/sdk";
import { COMMANDS, type Io } from "./commands.js";
import { EXIT, reportError, UsageError } from "./output.js";

const HELP = `homer: the Homer model registry from the shell

Usage: homer [--url URL] [--api-key KEY] [--project P] [--json] COMMAND [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}\n            ${c.usage}`)
  .join("\n")}

Global options (before or after the command):
  --url URL        GraphQL endpoint (env HOMER_URL, default http://localhost:4000/graphql)
  --api-key KEY    API key (env HOMER_API_KEY)
  --project P      project (env HOMER_PROJECT)
  --json           machine-readable output on stdout, errors as {"error":{code,message}}
  -h, --help       this text; \`homer COMMAND --help\` for one command

Exit codes: 0 ok, 1 failure, 2 usage or invalid input, 3 not found, 4 already exists,
5 unauthenticated/forbidden, 6 registry unreachable, 7 integrity check failed, 8 too large,
9 rate limited.
`;

/** Pulls the global options out wherever they stand; the rest goes to the command. */
function splitGlobals(argv: string[]) {
  const globals: { url?: string; apiKey?: string; project?: string; json: boolean; help: boolean } = { json: false, help: false };
  const rest: string[] = [];
  const names: Record<string, "url" | "apiKey" | "project"> = { "--url": "url", "--api-key": "apiKey", "--project": "project" };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const key = names[flag];
    if (key) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      globals[key] = value;
    } else if (flag === "--json") globals.json = true;
    else if (flag === "--help" || flag === "-h") globals.help = true;
    else rest.push(argv[i]!);
  }
  return { globals, rest };
}

async function main(argv: string[]): Promise<number> {
  let json = argv.includes("--json");
  try {
    const { globals, rest } = splitGlobals(argv);
    json = globals.json;
    const [name, ...args] = rest;
    if (name === "serve") return await COMMANDS.serve!.run(argv.slice(argv.indexOf("serve") + 1), {} as Io);
    if (!name) {
      // Asked for: stdout. A mistake: stderr, so --json's stdout stays JSON-only.
      if (globals.help) process.stdout.write(HELP);
      else if (json) throw new UsageError("a command is required (see homer --help)");
      else process.stderr.write(HELP);
      return globals.help ? EXIT.OK : EXIT.USAGE;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command "${name}" (see homer --help)`);
    if (globals.help) {
      process.stdout.write(`${command.summary}\nusage: ${command.usage}\n`);
      return EXIT.OK;
    }
    const conn = connection({ url: globals.url, apiKey: globals.apiKey, project: globals.project });
    const io: Io = {
      json,
      registry: () => conn.getModelRegistry(),
      connection: async () => conn,
      print: (text) => process.stdout.write(text),
    };
    return await command.run(args, io);
  } catch (error) {
    return reportError(error, json);
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
