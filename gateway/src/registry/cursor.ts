import { createHash } from "node:crypto";
import { BadInputError } from "../domain/errors.js";
import type { ModelFilter } from "../domain/model-filter.js";
import type { SortDirection } from "../domain/records.js";
import type { FamilyOrder, FamilyPosition, ListPosition } from "../storage/metadata-store.js";
import { MAX_VERSION } from "../domain/limits.js";
import { isName } from "../domain/rules.js";

/** What a cursor was issued for; a cursor only resumes the listing it came from. */
export interface CursorScope {
  readonly project: string;
  readonly name: string;
  readonly sortKey: string | null;
  readonly direction: SortDirection;
  /** The listing's filter, normalised; null: none. */
  readonly filter: ModelFilter | null;
}

/**
 * A short digest of a normalised filter: a cursor carries it, not the filter, so it
 * stays small and a cursor used with another filter is refused.
 */
function filterDigest(filter: ModelFilter | null): string | undefined {
  return filter === null ? undefined : createHash("sha256").update(JSON.stringify(filter)).digest("base64url").slice(0, 16);
}

interface CursorBody {
  readonly j: string;
  readonly n: string;
  readonly k: string | null;
  readonly d: SortDirection;
  readonly p: ListPosition;
  /** The filter's digest; absent when unfiltered (as cursors issued before filters). */
  readonly f?: string;
}

/** A cursor's body as the opaque text clients pass back. */
function encodeBody(body: object): string {
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

const invalid = (why: string) => new BadInputError(`after: invalid cursor (${why}); restart the listing without it`, "after");

/** The object a cursor of at most `maxLength` characters holds, or BAD_USER_INPUT; its shape is the caller's to check. */
function decodeBody(cursor: string, maxLength: number): Record<string, unknown> {
  let body: unknown;
  try {
    if (cursor.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error();
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("not a cursor this server issued");
  }
  if (typeof body !== "object" || body === null) throw invalid("not a cursor this server issued");
  return body as Record<string, unknown>;
}

export function encodeCursor(scope: CursorScope, position: ListPosition): string {
  const body: CursorBody = {
    j: scope.project,
    n: scope.name,
    k: scope.sortKey,
    d: scope.direction,
    p: position,
    f: filterDigest(scope.filter),
  };
  return encodeBody(body);
}

function isPosition(p: unknown): p is ListPosition {
  if (typeof p !== "object" || p === null) return false;
  const { phase, version, value } = p as Record<string, unknown>;
  if (!Number.isInteger(version) || (version as number) < 1 || (version as number) > MAX_VERSION) return false;
  if (phase === "metric") return typeof value === "number" && Number.isFinite(value);
  return phase === "missing" || phase === "version";
}

export function decodeCursor(cursor: string, scope: CursorScope): ListPosition {
  const body = decodeBody(cursor, 2048) as Partial<CursorBody>;
  if (!isPosition(body.p)) throw invalid("not a cursor this server issued");
  if (body.j !== scope.project || body.n !== scope.name || body.k !== scope.sortKey || body.d !== scope.direction) {
    throw invalid("it belongs to a different listing: same project, name, sortKey and direction are required");
  }
  if (body.f !== filterDigest(scope.filter)) throw invalid("it belongs to a listing with a different filter");
  const phaseFits = scope.sortKey === null ? body.p.phase === "version" : body.p.phase !== "version";
  if (!phaseFits) throw invalid("not a cursor this server issued");
  return body.p;
}

/** What a family cursor was issued for: the same project, search, match and order only. */
export interface FamilyCursorScope {
  readonly project: string;
  readonly search: string;
  readonly match: "PREFIX" | "SUBSTRING";
  readonly order: FamilyOrder;
}

interface FamilyCursorBody {
  readonly j: string;
  readonly s: string;
  readonly m: "PREFIX" | "SUBSTRING";
  readonly o: FamilyOrder;
  /** The last family's name. */
  readonly a: string;
  /** Its updatedAt (epoch milliseconds), when the listing is by last update. */
  readonly t?: number;
}

/** An opaque cursor for the page after `position` of the listing `scope`. */
export function encodeFamilyCursor(scope: FamilyCursorScope, position: FamilyPosition): string {
  const body: FamilyCursorBody = {
    j: scope.project,
    s: scope.search,
    m: scope.match,
    o: scope.order,
    a: position.name,
    ...(position.order === "UPDATED" ? { t: position.updatedAt } : {}),
  };
  return encodeBody(body);
}

/** Where a `modelFamilies` page resumes; BAD_USER_INPUT for anything this server did not issue for `scope`. */
export function decodeFamilyCursor(cursor: string, scope: FamilyCursorScope): FamilyPosition {
  const body = decodeBody(cursor, 1024) as Partial<FamilyCursorBody>;
  // A name and a time are all the cursor gives the query: only valid ones reach SQL.
  if (typeof body.a !== "string" || !isName(body.a)) {
    throw invalid("not a cursor this server issued");
  }
  if (body.j !== scope.project || body.s !== scope.search || body.m !== scope.match || body.o !== scope.order) {
    throw invalid("it belongs to a different listing: same project, search, match and orderBy are required");
  }
  if (scope.order === "NAME") return { order: "NAME", name: body.a };
  if (!Number.isSafeInteger(body.t)) throw invalid("not a cursor this server issued");
  return { order: "UPDATED", updatedAt: body.t as number, name: body.a };
}

interface DerivedCursorBody {
  /** The parent, as `project/name@version`. */
  readonly r: string;
  /** The last child's row id. */
  readonly i: number;
}

/** An opaque cursor for the page of `parent`'s derived versions after the row `id`. */
export function encodeDerivedCursor(parent: string, id: number): string {
  const body: DerivedCursorBody = { r: parent, i: id };
  return encodeBody(body);
}

/** The row id a `derivedModels` page resumes after; BAD_USER_INPUT for anything not issued for `parent`. */
export function decodeDerivedCursor(cursor: string, parent: string): number {
  const body = decodeBody(cursor, 1024) as Partial<DerivedCursorBody>;
  if (!Number.isSafeInteger(body.i) || (body.i as number) < 0) throw invalid("not a cursor this server issued");
  if (body.r !== parent) throw invalid("it belongs to the derived versions of another version");
  return body.i as number;
}
