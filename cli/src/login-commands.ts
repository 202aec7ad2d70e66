import { connection, DEFAULT_URL } from "@homer/sdk";
import { parse } from "./args.js";
import type { Command, Io } from "./command.js";
import { ConfigFileError, configPath, readLogin, removeLogin, writeLogin } from "./config-file.js";
import { UsageError } from "./output.js";
import { checkGivenUrl, resolveSettings } from "./settings.js";
import { shown } from "./terminal.js";

/** A key is ~60 characters: a pipe that brings more is not a key. */
const MAX_KEY_CHARS = 4096;

/** The config file's path for help text, which shows even when HOME is unusable. */
function shownConfigPath(): string {
  try {
    return configPath();
  } catch {
    return "$XDG_CONFIG_HOME/homer/config.json";
  }
}

const LOGIN_USAGE = "homer login [--url URL] [--api-key KEY] [--project P]";

const LOGIN_HELP = `
Checks the key against the gateway (it must read the project) before anything is
written, then stores URL, key and project in ${shownConfigPath()}
(XDG_CONFIG_HOME, else ~/.config; the file is private: mode 0600 in a 0700 directory).

The key comes from --api-key, else HOMER_API_KEY, else standard input: typed at a
prompt without echo on a terminal, or piped (\`pass homer | homer login --url …\`).
Prefer the prompt or a pipe: a key on the command line is visible to other users
(ps) and lands in the shell's history. URL and project come from the same places
as for every command (below), so \`homer login\` alone replaces the stored key.

Every command then takes each setting from the first of:
  1. flags (--url, --api-key, --project)
  2. environment variables (HOMER_URL, HOMER_API_KEY, HOMER_PROJECT; empty counts as unset)
  3. this config file
  4. defaults (${DEFAULT_URL}, the key's own project)
The stored key and project are used only with the stored URL: given another URL
(by flag or HOMER_URL) homer sends no stored key. homer refuses a config file that
other users may read or write (run chmod 600 on it) or that is not valid JSON.
\`homer logout\` removes the file.`;

/** Reads a line from the terminal without echoing it; Ctrl-C or Ctrl-D on an empty line cancels. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let typed = "";
    // Where an escape sequence (an arrow key, Home, a bracketed paste's markers) stands:
    // its characters are keys, not the key, and were kept as "[A" and the like.
    let escape: "none" | "started" | "csi" | "ss3" = "none";
    const finish = (error?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        // A control character is no part of a sequence: it ends an unfinished one and acts as
        // itself, as in a terminal (Esc alone then Enter, or Ctrl-C after a stray "Esc [").
        if (c < " ") escape = "none";
        if (escape === "started") escape = c === "[" ? "csi" : c === "O" ? "ss3" : "none";
        else if (escape === "csi") escape = c >= "@" && c <= "~" ? "none" : "csi";
        else if (escape === "ss3") escape = "none";
        else if (c === "\u001b") escape = "started";
        else if (c === "\r" || c === "\n") return finish();
        else if (c === "\u0003" || (c === "\u0004" && typed === "")) return finish(new UsageError("login cancelled: nothing was stored"));
        else if (c === "\u007f" || c === "\b") typed = typed.slice(0, -1);
        else if (c >= " ") typed += c;
      }
    };
    // Echo off before the prompt shows: nothing typed after it may reach the screen.
    stdin.setEncoding("utf8");
    stdin.setRawMode(true);
    stdin.on("data", onData);
    stdin.resume();
    process.stderr.write(prompt);
  });
}

/** The key from standard input: a prompt on a terminal, else everything piped in (trimmed). */
async function readKey(url: string): Promise<string> {
  if (process.stdin.isTTY) return (await promptHidden(`API key for ${shown(url)}: `)).trim();
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.length > MAX_KEY_CHARS)
      throw new UsageError(`standard input holds more than ${MAX_KEY_CHARS} characters: that is not an API key`);
  }
  return text.trim();
}

/** `homer login`: nothing is stored unless the gateway accepts the key for the project. */
export const login: Command = {
  usage: LOGIN_USAGE,
  summary: "check an API key against a gateway, then store URL, key and project for later commands",
  help: LOGIN_HELP,
  async run(args, io: Io) {
    const { positionals } = parse(args, {}, LOGIN_USAGE, io);
    if (positionals.length > 0) throw new UsageError(`login takes no arguments\nusage: ${LOGIN_USAGE}`);
    // Before the key is asked for: a config file with no place to go stops here.
    const file = configPath();
    // A stored login the commands refuse (corrupt, exposed) is what this one replaces.
    const stored = await readLogin(file).catch((error: unknown) => {
      if (error instanceof ConfigFileError) return null;
      throw error;
    });
    checkGivenUrl(io.flags, process.env);
    const { url = DEFAULT_URL, project } = resolveSettings(io.flags, process.env, stored);
    // Flag, then environment, as for every command; never the stored key (login replaces it).
    const apiKey = resolveSettings(io.flags, process.env, null).apiKey ?? (await readKey(url));
    if (!apiKey)
      throw new UsageError(`no API key: pass --api-key KEY, set HOMER_API_KEY, or give it on standard input\nusage: ${LOGIN_USAGE}`);
    // A key is one printable word: anything else could never be sent as a header, let alone stored.
    if (!/^[\x21-\x7e]+$/.test(apiKey)) {
      throw new UsageError("that is not an API key: a key is printable ASCII without spaces (hmr_…)");
    }
    // Nothing is written unless the key opens the registry and may read the project.
    const registry = await connection({ url, apiKey, project }).getModelRegistry();
    await registry.iterateModelFamilies({ pageSize: 1 }).next();
    await writeLogin(project === undefined ? { url, apiKey } : { url, apiKey, project }, file);
    io.print(
      io.json
        ? `${JSON.stringify({ url, project: project ?? null, config: file })}\n`
        : `logged in to ${shown(url)}${project === undefined ? "" : ` (project ${shown(project)})`}; saved to ${shown(file)}\n`,
    );
    return 0;
  },
};

const LOGOUT_USAGE = "homer logout";

/** `homer logout`: removes the config file (not the key: revoke it with homer keys revoke). */
export const logout: Command = {
  usage: LOGOUT_USAGE,
  summary: "forget the stored URL, key and project (removes the config file)",
  async run(args, io) {
    const { positionals } = parse(args, {}, LOGOUT_USAGE, io);
    if (positionals.length > 0) throw new UsageError(`logout takes no arguments\nusage: ${LOGOUT_USAGE}`);
    const file = configPath();
    const removed = await removeLogin(file);
    io.print(
      io.json
        ? `${JSON.stringify({ removed, config: file })}\n`
        : removed
          ? `logged out: removed ${shown(file)}\n`
          : `not logged in: there is no ${shown(file)}\n`,
    );
    return 0;
  },
};
