import { sql, type Kysely, type Transaction } from "kysely";
import { keyRevoked } from "../../domain/errors.js";
import type { Grant, Role } from "../../domain/records.js";
import type { AccessStore, ApiKeyRecord, DownloadTicketRecord, ProjectRecord } from "../access-store.js";
import type { Database, SqlDialect } from "./schema.js";

type KeyRow = { id: string; name: string; secret_sha256: string; created_at: number; created_by: string | null; revoked_at: number | null };

function toKey(row: KeyRow, grants: Grant[]): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    secretSha256: row.secret_sha256,
    grants,
    createdAt: new Date(Number(row.created_at)),
    createdBy: row.created_by,
    revokedAt: row.revoked_at === null ? null : new Date(Number(row.revoked_at)),
  };
}

type NewKey = Omit<ApiKeyRecord, "createdAt" | "revokedAt">;

async function insertKey(trx: Transaction<Database>, key: NewKey, now: number): Promise<void> {
  await trx
    .insertInto("api_keys")
    .values({ id: key.id, name: key.name, secret_sha256: key.secretSha256, created_at: now, created_by: key.createdBy, revoked_at: null })
    .execute();
  await trx
    .insertInto("api_key_grants")
    .values(key.grants.map((g, position) => ({ key_id: key.id, project: g.project, role: g.role, position })))
    .execute();
}

/**
 * Inside a write transaction: throws `keyRevoked` unless the key `by` (null: an anonymous
 * caller, decided elsewhere) exists unrevoked. A request is authenticated when its headers
 * arrive, and its operation may run long after (a slow body, an upload before it): a key
 * revoked meanwhile must change nothing. Every change made by a key takes the keys' lock
 * first (PostgreSQL; SQLite serialises writers), so a revocation commits either before
 * such a change, which then sees it, or after it.
 */
async function assertActing(trx: Transaction<Database>, dialect: SqlDialect, by: string | null): Promise<void> {
  if (by === null) return;
  await dialect.transactionLock("homer.keys")?.execute(trx);
  const row = await trx.selectFrom("api_keys").select("revoked_at").where("id", "=", by).executeTakeFirst();
  if (!row || row.revoked_at !== null) throw keyRevoked();
}

/** Projects and API keys in the same database as the registry's metadata. */
export class SqlAccessStore implements AccessStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async anyKeys(): Promise<boolean> {
    return (await this.db.selectFrom("api_keys").select("id").limit(1).executeTakeFirst()) !== undefined;
  }

  async #withGrants(rows: KeyRow[]): Promise<ApiKeyRecord[]> {
    if (rows.length === 0) return [];
    const grants = await this.db
      .selectFrom("api_key_grants")
      .select(["key_id", "project", "role"])
      .where(
        "key_id",
        "in",
        rows.map((r) => r.id),
      )
      .orderBy("position")
      .execute();
    return rows.map((row) =>
      toKey(
        row,
        grants.filter((g) => g.key_id === row.id).map((g): Grant => ({ project: g.project, role: g.role as Role })),
      ),
    );
  }

  /** One statement: every authenticated request makes this lookup. */
  async findKey(id: string): Promise<ApiKeyRecord | null> {
    const rows = await this.db
      .selectFrom("api_keys as k")
      .leftJoin("api_key_grants as g", "g.key_id", "k.id")
      .select(["k.id", "k.name", "k.secret_sha256", "k.created_at", "k.created_by", "k.revoked_at", "g.project", "g.role"])
      .where("k.id", "=", id)
      .orderBy("g.position")
      .execute();
    const [row] = rows;
    if (!row) return null;
    const grants = rows.flatMap((r): Grant[] => (r.project === null ? [] : [{ project: r.project, role: r.role as Role }]));
    return toKey(row, grants);
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    return this.#withGrants(await this.db.selectFrom("api_keys").selectAll().orderBy("created_at").orderBy("id").execute());
  }

  async createKey(key: NewKey): Promise<ApiKeyRecord> {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await assertActing(trx, this.dialect, key.createdBy);
      await insertKey(trx, key, now);
    });
    return { ...key, createdAt: new Date(now), revokedAt: null };
  }

  async createFirstKey(key: NewKey): Promise<ApiKeyRecord | null> {
    const now = Date.now();
    const created = await this.db.transaction().execute(async (trx) => {
      // Replicas starting together on an empty database: one at a time decides.
      await this.dialect.transactionLock("homer.first-key")?.execute(trx);
      if (await trx.selectFrom("api_keys").select("id").limit(1).executeTakeFirst()) return false;
      await insertKey(trx, key, now);
      return true;
    });
    return created ? { ...key, createdAt: new Date(now), revokedAt: null } : null;
  }

  async revokeKey(id: string, by: string | null = null): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await assertActing(trx, this.dialect, by);
      const result = await trx
        .updateTable("api_keys")
        .set({ revoked_at: Date.now() })
        .where("id", "=", id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) return true;
      return (await trx.selectFrom("api_keys").select("id").where("id", "=", id).executeTakeFirst()) !== undefined;
    });
  }

  async createProject(name: string, createdBy: string | null): Promise<ProjectRecord | null> {
    const now = Date.now();
    try {
      await this.db.transaction().execute(async (trx) => {
        await assertActing(trx, this.dialect, createdBy);
        await trx.insertInto("projects").values({ name, created_at: now, created_by: createdBy }).execute();
      });
    } catch (error) {
      if (this.dialect.isUniqueViolation(error)) return null;
      throw error;
    }
    return { name, createdAt: new Date(now), createdBy };
  }

  async listProjects(): Promise<ProjectRecord[]> {
    // Byte order, as SQLite sorts: a database's locale would sort "a_b" before "A-" (punctuation and case ignored at first).
    const rows = await this.db
      .selectFrom("projects")
      .selectAll()
      .orderBy(this.dialect.byteOrder(sql.ref<string>("name")))
      .execute();
    return rows.map((r) => ({ name: r.name, createdAt: new Date(Number(r.created_at)), createdBy: r.created_by }));
  }

  async projectsExist(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await this.db.selectFrom("projects").select("name").where("name", "in", names).execute();
    return new Set(rows.map((r) => r.name));
  }

  async mintTicket(ticket: DownloadTicketRecord, ttlMs: number): Promise<Date> {
    const now = this.dialect.nowMs();
    // Pruned here: tickets are minted one click at a time, and each lives a minute.
    await this.db.deleteFrom("download_tickets").where("expires_at", "<=", now).execute();
    const row = await this.db
      .insertInto("download_tickets")
      .values({
        id: ticket.id,
        secret_sha256: ticket.secretSha256,
        key_id: ticket.keyId,
        project: ticket.project,
        name: ticket.name,
        version: ticket.version,
        path: ticket.path,
        file_sha256: ticket.contentSha256,
        expires_at: sql<number>`${now} + ${ttlMs}`,
        uses: 0,
      })
      .returning("expires_at")
      .executeTakeFirstOrThrow();
    return new Date(Number(row.expires_at));
  }

  async findTicket(id: string, maxUses: number): Promise<DownloadTicketRecord | null> {
    const row = await this.db
      .selectFrom("download_tickets")
      .selectAll()
      .where("id", "=", id)
      .where("expires_at", ">", this.dialect.nowMs())
      .where("uses", "<", maxUses)
      .executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      secretSha256: row.secret_sha256,
      keyId: row.key_id,
      project: row.project,
      name: row.name,
      version: Number(row.version),
      path: row.path,
      contentSha256: row.file_sha256,
    };
  }

  async spendTicket(id: string, maxUses: number): Promise<boolean> {
    // One conditional statement: concurrent uses on any replica never pass maxUses together.
    const result = await this.db
      .updateTable("download_tickets")
      .set({ uses: sql<number>`uses + 1` })
      .where("id", "=", id)
      .where("expires_at", ">", this.dialect.nowMs())
      .where("uses", "<", maxUses)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
