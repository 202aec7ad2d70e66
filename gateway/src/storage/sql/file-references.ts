import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** One file of one version, as `check-blobs` reports it. */
export interface FileReference {
  readonly modelId: number;
  readonly project: string;
  readonly name: string;
  readonly version: number;
  readonly path: string;
  readonly sha256: string;
  /** The file's size as the version records it. */
  readonly sizeBytes: number;
}

/** Where a page of `fileReferences` ends: the next page starts after it. */
type FileKey = readonly [modelId: number, path: string];

/**
 * Every version's files, `pageSize` a statement, in the order of `model_files`' primary
 * key (model id, path) and keyed by it: memory holds one page whatever the registry's size,
 * and a version created or deleted meanwhile neither repeats nor hides another.
 */
export async function* fileReferences(db: Kysely<Database>, pageSize: number): AsyncIterable<FileReference[]> {
  let after: FileKey | undefined;
  for (;;) {
    let query = db
      .selectFrom("model_files as f")
      .innerJoin("models as m", "m.id", "f.model_id")
      .innerJoin("families as fam", "fam.id", "m.family_id")
      .select(["f.model_id", "f.path", "f.sha256", "f.size_bytes", "m.version", "fam.project", "fam.name"])
      .orderBy("f.model_id")
      .orderBy("f.path")
      .limit(pageSize);
    if (after) {
      const [modelId, path] = after;
      // A row-value comparison: both databases walk the primary key on from the last row read.
      query = query.where((eb) => eb(eb.refTuple("f.model_id", "f.path"), ">", eb.tuple(modelId, path)));
    }
    const rows = await query.execute();
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      modelId: Number(r.model_id),
      project: r.project,
      name: r.name,
      version: Number(r.version),
      path: r.path,
      sha256: r.sha256,
      sizeBytes: Number(r.size_bytes),
    }));
    if (rows.length < pageSize) return;
    const last = rows.at(-1)!;
    after = [Number(last.model_id), last.path];
  }
}

/** Whether the version still names this file with these bytes (it was not deleted or overwritten since it was read). */
export async function stillReferenced(db: Kysely<Database>, file: FileReference): Promise<boolean> {
  const row = await db
    .selectFrom("model_files")
    .select("sha256")
    .where("model_id", "=", file.modelId)
    .where("path", "=", file.path)
    .where("sha256", "=", file.sha256)
    .executeTakeFirst();
  return row !== undefined;
}
