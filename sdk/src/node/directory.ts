import fs from "node:fs/promises";
import path from "node:path";
import { RegistryError } from "../errors.js";

export interface LocalFile {
  /** Relative, `/`-separated path inside the model directory. */
  readonly path: string;
  readonly absolutePath: string;
  readonly sizeBytes: number;
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
  // Directories by real path: a symlink back up the tree must not walk forever.
  const visited = new Set<string>();
  async function walk(dir: string, prefix: string): Promise<void> {
    const real = await fs.realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const absolutePath = path.join(dir, entry.name);
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      const target = entry.isSymbolicLink() ? await fs.stat(absolutePath).catch(() => null) : entry;
      if (target?.isDirectory()) await walk(absolutePath, relative);
      else if (target?.isFile()) files.push({ path: relative, absolutePath, sizeBytes: (await fs.stat(absolutePath)).size });
    }
  }
  await walk(path.resolve(root), "");
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
