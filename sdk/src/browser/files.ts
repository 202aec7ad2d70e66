import { RegistryError } from "../errors.js";

/** One file of an upload: its path in the model and its bytes (never read into memory here). */
export interface UploadEntry {
  readonly path: string;
  readonly blob: Blob;
}

const bad = (message: string) => new RegistryError("BAD_USER_INPUT", message, { field: "files" });

/**
 * A File's path in the model: below the picked folder for `<input webkitdirectory>`
 * (`picked/sub/a.bin` → `sub/a.bin`, as the Node SDK names files relative to
 * `modelPath`), else its name.
 */
function pathOf(file: File): string {
  const relative = file.webkitRelativePath;
  const slash = relative ? relative.indexOf("/") : -1;
  return slash >= 0 ? relative.slice(slash + 1) : file.name;
}

/** The files of an upload source, sorted by path as the Node SDK sends them; duplicates refused. */
export function uploadEntries(source: unknown): UploadEntry[] {
  if (typeof source === "string") {
    throw new RegistryError("UNSUPPORTED", "a directory path needs Node: in a browser pass files (a FileList, File or { path: Blob })", {
      field: "files",
    });
  }
  let entries: UploadEntry[];
  if (typeof File !== "undefined" && source instanceof File) entries = [{ path: pathOf(source), blob: source }];
  else if (Array.isArray(source) || (typeof FileList !== "undefined" && source instanceof FileList)) {
    entries = Array.from(source as ArrayLike<unknown>, (file, i) => {
      if (typeof File !== "undefined" && file instanceof File) return { path: pathOf(file), blob: file };
      throw bad(`files[${i}] is not a File (a Blob has no name: pass { "path/in/model": blob })`);
    });
  } else if (typeof source === "object" && source !== null && !(source instanceof Blob)) {
    entries = Object.entries(source).map(([path, blob]) => {
      if (blob instanceof Blob) return { path, blob };
      throw bad(`files[${JSON.stringify(path)}] is not a Blob`);
    });
  } else {
    throw bad('files must be a FileList, a File, an array of Files or { "path/in/model": blob }');
  }
  if (entries.length === 0) throw bad("files is empty: nothing to upload");
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const twice = entries.find((entry, i) => i > 0 && entries[i - 1]!.path === entry.path);
  if (twice) throw bad(`two files have the path ${twice.path}`);
  return entries;
}
