import { sql, type Kysely } from "kysely";
import type { FamilyRecord } from "../../domain/records.js";
import type { FamilyListQuery } from "../metadata-store.js";
import type { Database, SqlDialect } from "./schema.js";

/**
 * Above every character a lower-cased name may hold (`[a-z0-9_.-]`): every name
 * that starts with a prefix sorts from the prefix up to, not including, the prefix
 * followed by this.
 */
const AFTER_NAME_CHARACTERS = "\u007f";

/**
 * A page of a project's families, by lower-cased name then name (byte order on
 * both backends), with the families' counts and latest versions, in one statement.
 *
 * Index range scans only: families_search (project, lower(name), name) gives the
 * project, the prefix as a range (never LIKE, so `%`, `_` and `\` in a prefix are
 * plain characters), the cursor's position and the order; the latest version is
 * one seek into models(family_id, version) per row. A family whose versions were
 * all deleted has no latest version and is not listed.
 */
export async function listFamilies(db: Kysely<Database>, dialect: SqlDialect, query: FamilyListQuery): Promise<FamilyRecord[]> {
  const folded = dialect.byteOrder(sql<string>`lower(f.name)`);
  const name = dialect.byteOrder(sql.ref<string>("f.name"));
  let q = db
    .selectFrom("families as f")
    .innerJoin("models as m", (join) =>
      join
        .onRef("m.family_id", "=", "f.id")
        .on("m.version", "=", (eb) =>
          eb.selectFrom("models as l").select("l.version").whereRef("l.family_id", "=", "f.id").orderBy("l.version", "desc").limit(1),
        ),
    )
    .select(["f.name", "f.version_count", "m.version", "m.created_at"])
    .where("f.project", "=", query.project)
    // Emptied families (every version deleted) are skipped before their latest-version lookup.
    .where("f.version_count", ">", 0)
    .orderBy(folded)
    .orderBy(name)
    .limit(query.limit);
  if (query.prefix !== "") {
    q = q.where(folded, ">=", query.prefix).where(folded, "<", query.prefix + AFTER_NAME_CHARACTERS);
  }
  const { after } = query;
  if (after !== null) {
    // A range the index can seek to, then the exact keyset condition.
    const afterFolded = after.toLowerCase();
    q = q.where(folded, ">=", afterFolded).where((eb) => eb.or([eb(folded, ">", afterFolded), eb(name, ">", after)]));
  }
  const rows = await q.execute();
  return rows.map((row) => ({
    project: query.project,
    name: row.name,
    versionCount: Number(row.version_count),
    latestVersion: row.version,
    latestCreatedAt: new Date(Number(row.created_at)),
  }));
}
