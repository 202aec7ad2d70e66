/** Files by their path in the model, as the SDK's browser entry uploads them. */
export type PickedFiles = Record<string, File>;

/** The files of an `<input type=file>`: with a folder picked, paths below that folder (as the CLI names them). */
export function filesFromInput(list: FileList): PickedFiles {
  const picked: PickedFiles = {};
  for (const file of Array.from(list)) {
    const relative = file.webkitRelativePath;
    picked[relative ? relative.split("/").slice(1).join("/") : file.name] = file;
  }
  return picked;
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, into: PickedFiles): Promise<void> {
  if (entry.isFile) {
    into[prefix + entry.name] = await fileOf(entry as FileSystemFileEntry);
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // A directory reader hands out entries in batches until an empty one.
  for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
    for (const child of batch) await walk(child, `${prefix}${entry.name}/`, into);
  }
}

/**
 * The files of a drop: a dropped folder's files named below that folder (one
 * folder dropped is the model directory), dropped files by their names.
 */
export async function filesFromDrop(transfer: DataTransfer): Promise<PickedFiles> {
  const entries = Array.from(transfer.items)
    .map((item) => (item.kind === "file" ? item.webkitGetAsEntry() : null))
    .filter((entry): entry is FileSystemEntry => entry !== null);
  if (entries.length === 0) return filesFromInput(transfer.files);
  const picked: PickedFiles = {};
  for (const entry of entries) await walk(entry, "", picked);
  const only = entries.length === 1 && entries[0]!.isDirectory ? `${entries[0]!.name}/` : "";
  if (!only) return picked;
  return Object.fromEntries(Object.entries(picked).map(([path, file]) => [path.slice(only.length), file]));
}
