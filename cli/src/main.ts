#!/usr/bin/env node
import { connection, type Connection } from "@homer/sdk";
import { HelpRequested, splitCommand, type Globals } from "./args.js";
import type { Io } from "./command.js";
import { COMMANDS } from "./commands.js";
import { readLogin } from "./config-file.js";
import { EXIT, reportError, UsageError } from "./output.js";
import { checkGivenUrl, resolveSettings } from "./settings.js";
import { terminalJson, terminalText } from "./terminal.js";
import { cliVersion } from "./version.js";

const NAME_WIDTH = Math.max(...Object.keys(COMMANDS).map((name) => name.length));

const HELP = `homer: the Homer model registry from the shell

Usage: homer [--url URL] [--api-key KEY] [--project P] [--json] COMMAND [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(NAME_WIDTH)} ${c.summary}\n${" ".repeat(NAME_WIDTH + 3)}${c.usage}`)
  .join("\n")}

Global options (before or after the command):
  --url URL        GraphQL endpoint (env HOMER_URL, default http://localhost:4000/graphql)
  --api-key KEY    API key (env HOMER_API_KEY)
  --project P      project (env HOMER_PROJECT)
  --json           machine-readable output on stdout, errors as {"error":{code,message}}
  -h, --help       this text; \`homer COMMAND --help\` for one command
  -V, --version    the CLI's version (before any command)

Settings come from flags, else the environment, else what \`homer login\` stored,
else the defaults (see homer login --help).

Exit codes: 0 ok, 1 failure, 2 usage or invalid input, 3 not found, 4 already exists,
5 unauthenticated/forbidden, 6 registry unreachable, 7 integrity check failed, 8 too large,
9 rate limited, 10 registry unavailable or out of storage, 11 conflict (edited meanwhile),
130 interrupted (a pull stopped by Ctrl-C keeps what arrived; the same pull resumes it).
`;

async function main(argv: string[]): Promise<number> {
  const globals: Globals = { json: argv.includes("--json"), help: false };
  try {
    const { globals: before, command: name, rest } = splitCommand(argv);
    Object.assign(globals, before);
    if (globals.version && !globals.help) {
      const version = await cliVersion();
      process.stdout.write(globals.json ? `${JSON.stringify({ version })}\n` : `homer ${version}\n`);
      return EXIT.OK;
    }
    if (name === "serve") return await COMMANDS.serve!.run(rest, {} as Io);
    if (!name) {
      // Asked for: stdout. A mistake: stderr, so --json's stdout stays JSON-only.
      if (globals.help) process.stdout.write(HELP);
      else if (globals.json) throw new UsageError("a command is required (see homer --help)");
      else process.stderr.write(HELP);
      return globals.help ? EXIT.OK : EXIT.USAGE;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command "${name}" (see homer --help)`);
    if (globals.help) throw new HelpRequested(command.usage);
    // Opened lazily: the command may still add --url, --api-key or --project, and
    // commands that need no registry never read the config file.
    let conn: Promise<Connection> | undefined;
    const connect = () =>
      (conn ??= readLogin().then((stored) => {
        const flags = { url: globals.url, apiKey: globals.apiKey, project: globals.project };
        checkGivenUrl(flags, process.env);
        return connection(resolveSettings(flags, process.env, stored));
      }));
    const io: Io = {
      get json() {
        return globals.json;
      },
      get flags() {
        return { url: globals.url, apiKey: globals.apiKey, project: globals.project };
      },
      registry: async () => (await connect()).getModelRegistry(),
      connection: connect,
      useGlobals: (found) => Object.assign(globals, found),
      // Every command's output passes here: server strings cannot reach the terminal raw.
      print: (text) => process.stdout.write(globals.json ? terminalJson(text) : terminalText(text)),
    };
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof HelpRequested) {
      const command = COMMANDS[splitCommand(argv).command ?? ""];
      process.stdout.write(
        `${command ? `${command.summary}\n` : ""}usage: ${error.usage}\n${command?.help ? `${command.help.trimEnd()}\n` : ""}`,
      );
      return EXIT.OK;
    }
    return reportError(error, globals.json);
  }
}

process.exitCode = await main(process.argv.slice(2));
