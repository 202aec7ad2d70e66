import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** What `homer login` stores: a gateway, the key for it, and optionally a project. */
export interface StoredLogin {
  readonly url: string;
  readonly apiKey: string;
  readonly project?: string;
}

/**
 * A config file homer will not use: not JSON, the wrong shape, or readable or
 * writable by others (it holds an API key, and its URL decides where that key
 * is sent). Exits 2, like other invalid input.
 */
export class ConfigFileError extends Error {}

/** A login is a few hundred bytes: a file far larger is not one, and is not read into memory. */
const MAX_CONFIG_BYTES = 64 * 1024;

/** Windows has no POSIX modes: the file's ACL is the user profile's. */
const POSIX = process.platform !== "win32";

/**
 * `$XDG_CONFIG_HOME/homer/config.json`, else `~/.config/homer/config.json` (on Windows too).
 * A ConfigFileError when neither is an absolute path (HOME empty or relative).
 */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  // The XDG spec: a relative XDG_CONFIG_HOME is invalid and is ignored.
  if (env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)) return path.join(env.XDG_CONFIG_HOME, "homer", "config.json");
  // os.homedir() is HOME as it is: an empty or relative one would put the login under the current
  // directory (a project's, which may hold a planted config, or be committed with the key).
  const home = os.homedir();
  if (!path.isAbsolute(home)) {
    throw new ConfigFileError(
      `HOME is ${JSON.stringify(home)}, not an absolute path: set HOME or XDG_CONFIG_HOME to an absolute path for homer's config file`,
    );
  }
  return path.join(home, ".config", "homer", "config.json");
}

/** `configPath()`, or null when HOME is unusable: then no login is stored, and commands use flags and environment. */
function storedLoginPath(): string | null {
  try {
    return configPath();
  } catch (error) {
    if (error instanceof ConfigFileError) return null;
    throw error;
  }
}

/**
 * Whether `url` is one homer can talk to: absolute http or https, with no
 * `user:password@` (fetch refuses to send a request to such a URL).
 */
export function isGatewayUrl(url: string): boolean {
  try {
    const { protocol, username, password } = new URL(url);
    return (protocol === "http:" || protocol === "https:") && username === "" && password === "";
  } catch {
    return false;
  }
}

/** `url` for a message: whatever precedes an `@` in its authority hidden, so no password is shown back. */
export function redactedUrl(url: string): string {
  return url.replace(/^((?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/)?[^/?#@]*@/, "$1…@");
}

function parseLogin(text: string, file: string): StoredLogin {
  const broken = (why: string) => new ConfigFileError(`${file}: ${why}; fix it, or run homer logout and homer login again`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw broken(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw broken("not a JSON object");
  const { url, apiKey, project } = value as Record<string, unknown>;
  if (typeof url !== "string" || !isGatewayUrl(url)) throw broken(`"url" must be an http(s) URL without user:password@`);
  if (typeof apiKey !== "string" || apiKey === "") throw broken(`"apiKey" must be a non-empty string`);
  if (project !== undefined && typeof project !== "string") throw broken(`"project" must be a string`);
  return project === undefined ? { url, apiKey } : { url, apiKey, project };
}

/**
 * The stored login, or null when there is none. Refused, as ssh refuses a private
 * key others can read, when the file is another user's or others may read or
 * write it: the key may have leaked, or the URL been pointed elsewhere.
 */
export async function readLogin(file: string | null = storedLoginPath()): Promise<StoredLogin | null> {
  if (file === null) return null;
  let handle: fs.FileHandle;
  try {
    // Non-blocking: opening a FIFO for reading would wait for a writer, forever, before the check below.
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ConfigFileError(`${file}: cannot be read (${(error as Error).message})`);
  }
  try {
    // The file opened is the file checked: no swap between the check and the read.
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ConfigFileError(`${file} is not a file; remove it, then run homer login`);
    if (POSIX) {
      if (stats.uid !== process.getuid?.()) {
        throw new ConfigFileError(`${file} belongs to another user (uid ${stats.uid}); homer will not use it`);
      }
      const mode = stats.mode & 0o777;
      if ((mode & 0o077) !== 0) {
        throw new ConfigFileError(
          `${file} is accessible by others (mode ${mode.toString(8).padStart(4, "0")}) and holds an API key: ` +
            `run chmod 600 ${file} (and consider revoking the key), or homer logout`,
        );
      }
    }
    if (stats.size > MAX_CONFIG_BYTES) {
      throw new ConfigFileError(`${file} is ${stats.size} bytes, not a login (a few hundred); remove it, or run homer logout`);
    }
    const bytes = await handle.readFile();
    let text: string;
    try {
      // Fatal: a byte that is not UTF-8 would otherwise become U+FFFD inside the key or URL. A BOM is dropped.
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new ConfigFileError(`${file}: not UTF-8 text; fix it, or run homer logout and homer login again`);
    }
    return parseLogin(text, file);
  } finally {
    await handle.close();
  }
}

/**
 * `error`, or when `file` is a directory (unlink and rename fail with EISDIR on Linux, EPERM
 * on macOS) a ConfigFileError saying so: homer removes no directory of the user's.
 */
async function unlessDirectory(file: string, error: unknown): Promise<unknown> {
  const stats = await fs.lstat(file).catch(() => null);
  return stats?.isDirectory() ? new ConfigFileError(`${file} is not a file; remove it yourself`) : error;
}

/**
 * Stores a login atomically: written to a private temporary file beside it
 * (0600, in a 0700 directory when homer creates it), flushed, then renamed over
 * the old file, so a crash leaves the old file or the new one, never half of one.
 */
export async function writeLogin(login: StoredLogin, file: string = configPath()): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await fs.open(temporary, "wx", 0o600);
    try {
      // The umask may narrow the mode given to open; it must be exactly 0600.
      if (POSIX) await handle.chmod(0o600);
      await handle.writeFile(`${JSON.stringify(login, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, file).catch(async (error: unknown) => {
      throw await unlessDirectory(file, error);
    });
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** Removes the stored login; false when there was none. */
export async function removeLogin(file: string = configPath()): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw await unlessDirectory(file, error);
  }
}
