import { sql, type Kysely, type NotNull } from "kysely";
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
 * A page of a project's families with their counts, times and latest versions, in
 * one statement.
 *
 * Index range scans: by name, families_search (project, lower(name) of A-Z only, name) gives
 * the project, a prefix as a range (never LIKE, so `%`, `_` and `\` in a prefix are
 * plain characters), the cursor's position and the order; by last update,
 * families_recent (project, updated_at desc, name) gives the project, the position
 * and the order, and a prefix or substring is a filter on the rows it walks. A
 * substring is found with `strpos`/`instr`, not LIKE, so nothing is a wildcard; it
 * reads the project's families in order until the page is full. The latest version
 * is a seek into models(family_id, version) per row listed, for each of its two columns. A family whose versions were
 * all deleted has no latest version and is not listed.
 */
export async function listFamilies(db: Kysely<Database>, dialect: SqlDialect, query: FamilyListQuery): Promise<FamilyRecord[]> {
  const folded = dialect.foldName(sql.ref<string>("f.name"));
  const name = dialect.byteOrder(sql.ref<string>("f.name"));
  // The latest version's columns as subqueries of the row, not a join: a join's row
  // count is an estimate, and PostgreSQL, taking a family's latest version for one of
  // its many, planned a project of one-version families as a hash join of all its
  // families and versions, then a sort (200 ms at 100k families for a page of 50).
  let q = db
    .selectFrom("families as f")
    .select(["f.name", "f.version_count", "f.created_at as family_created_at", "f.updated_at"])
    .select((eb) => {
      const latest = (column: "version" | "created_at") =>
        eb.selectFrom("models as l").select(`l.${column}`).whereRef("l.family_id", "=", "f.id").orderBy("l.version", "desc").limit(1);
      return [latest("version").as("version"), latest("created_at").as("created_at")];
    })
    // A family counted with versions has a latest one (the triggers keep the count exact).
    .$narrowType<{ version: NotNull; created_at: NotNull }>()
    .where("f.project", "=", query.project)
    // Emptied families (every version deleted) are skipped before their latest-version lookup.
    .where("f.version_count", ">", 0)
    .limit(query.limit);
  if (query.search !== "") {
    q =
      query.match === "PREFIX"
        ? q.where(folded, ">=", query.search).where(folded, "<", query.search + AFTER_NAME_CHARACTERS)
        : q.where(dialect.contains(folded, query.search));
  }
  const { after } = query;
  if (query.order === "NAME") {
    q = q.orderBy(folded).orderBy(name);
    if (after?.order === "NAME") {
      // A range the index can seek to, then the exact keyset condition.
      const afterFolded = after.name.toLowerCase();
      q = q.where(folded, ">=", afterFolded).where((eb) => eb.or([eb(folded, ">", afterFolded), eb(name, ">", after.name)]));
    }
  } else {
    q = q.orderBy("f.updated_at", "desc").orderBy(name);
    if (after?.order === "UPDATED") {
      q = q
        .where("f.updated_at", "<=", after.updatedAt)
        .where((eb) => eb.or([eb("f.updated_at", "<", after.updatedAt), eb(name, ">", after.name)]));
    }
  }
  const rows = await q.execute();
  return rows.map((row) => {
    const latestCreatedAt = Number(row.created_at);
    return {
      project: query.project,
      name: row.name,
      versionCount: Number(row.version_count),
      latestVersion: row.version,
      latestCreatedAt: new Date(latestCreatedAt),
      // A family listed has a version, so the triggers have set both; the fallbacks are for the impossible.
      createdAt: new Date(Number(row.family_created_at ?? latestCreatedAt)),
      updatedAt: new Date(Number(row.updated_at ?? latestCreatedAt)),
    };
  });
}
