import fs from "node:fs/promises";
import path from "node:path";
import { RegistryError } from "../errors.js";

export interface LocalFile {
  /** Relative, `/`-separated path inside the model directory. */
  readonly path: string;
  readonly absolutePath: string;
  readonly sizeBytes: number;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The most names (paths through symbolic links) one directory may be reached by: each is
 * walked, so a tree whose every level links twice to the next would be walked 2^depth times.
 */
const MAX_NAMES_PER_DIRECTORY = 64;

/** A file name as text, or BAD_USER_INPUT when its bytes are not UTF-8 (a registry path is text). */
function utf8Name(bytes: Buffer, dir: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    const shown = [...bytes]
      .map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`))
      .join("");
    throw new RegistryError("BAD_USER_INPUT", `modelPath holds ${path.join(dir, shown)}, whose name is not UTF-8: rename it`, {
      field: "modelPath",
    });
  }
}

/** A listed file's size, or BAD_USER_INPUT when its folder lets it be named but not reached (no search permission). */
function statOf(file: string) {
  return fs.stat(file).catch((error: Error) => {
    throw new RegistryError("BAD_USER_INPUT", `modelPath holds ${file}, which cannot be read: ${error.message}`, {
      field: "modelPath",
      cause: error,
    });
  });
}

/**
 * Every regular file under `root` (symlinks to files are followed), sorted by
 * path. A single file is a directory of one.
 */
export async function listFiles(root: string): Promise<LocalFile[]> {
  const stat = await fs.stat(root).catch(() => null);
  if (!stat) throw new RegistryError("BAD_USER_INPUT", `modelPath ${root} does not exist`, { field: "modelPath" });
  if (stat.isFile()) return [{ path: path.basename(root), absolutePath: path.resolve(root), sizeBytes: stat.size }];
  if (!stat.isDirectory()) throw new RegistryError("BAD_USER_INPUT", `modelPath ${root} is not a directory`, { field: "modelPath" });
  const files: LocalFile[] = [];
  // A symlink back up the tree (to a directory this one is inside) must not walk forever. Any
  // other second name for a directory is walked as a symlink to a file is read: skipping it
  // dropped whichever name came second, the real directory's own as often as the link's.
  const names = new Map<string, number>();
  async function walk(dir: string, prefix: string, ancestors: ReadonlySet<string>): Promise<void> {
    const real = await fs.realpath(dir);
    if (ancestors.has(real)) return;
    const seen = (names.get(real) ?? 0) + 1;
    if (seen > MAX_NAMES_PER_DIRECTORY) {
      throw new RegistryError(
        "BAD_USER_INPUT",
        `modelPath reaches ${real} by more than ${MAX_NAMES_PER_DIRECTORY} names through symbolic links: link it once`,
        { field: "modelPath" },
      );
    }
    names.set(real, seen);
    const inside = new Set(ancestors).add(real);
    // Names as bytes: one that is not UTF-8 would read back with U+FFFD in place of its
    // bytes, a name no file has (ENOENT), or the name of another file.
    const entries = await fs.readdir(dir, { withFileTypes: true, encoding: "buffer" }).catch((error: Error) => {
      // A folder that cannot be listed (EACCES) would leave its files out, or fail as fs's bare error.
      throw new RegistryError("BAD_USER_INPUT", `modelPath holds ${dir}, a folder that cannot be read: ${error.message}`, {
        field: "modelPath",
        cause: error,
      });
    });
    for (const entry of entries) {
      const name = utf8Name(entry.name, dir);
      const absolutePath = path.join(dir, name);
      const relative = prefix ? `${prefix}/${name}` : name;
      // A link leading nowhere is refused, not left out: `weights.bin -> /mnt/data/…` with the disk
      // not mounted would register the model without its weights, and say nothing.
      const target = entry.isSymbolicLink()
        ? await fs.stat(absolutePath).catch((error: NodeJS.ErrnoException) => {
            throw new RegistryError(
              "BAD_USER_INPUT",
              `modelPath holds ${absolutePath}, a symbolic link that leads to no file or folder (${error.code ?? error.message}): fix or remove it`,
              { field: "modelPath", cause: error },
            );
          })
        : entry;
      if (target?.isDirectory()) await walk(absolutePath, relative, inside);
      else if (target?.isFile()) files.push({ path: relative, absolutePath, sizeBytes: (await statOf(absolutePath)).size });
    }
  }
  await walk(path.resolve(root), "", new Set());
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
