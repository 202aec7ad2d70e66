import { ConflictError, ForbiddenError } from "../domain/errors.js";
import type { AliasRecord, AliasRef, ModelRef } from "../domain/records.js";
import { quote } from "../domain/text.js";
import type { AliasInTheWay } from "../storage/metadata-store.js";

/**
 * Who may change an alias, decided inside the change's transaction against the
 * alias as it is then: `write` sets, moves and removes; a protected alias, and
 * protection itself, need `admin` (`admin` says whether the caller has it).
 */

/** The one FORBIDDEN for a protected alias a caller without admin tried to move or remove, or whose version it tried to replace. */
function protectedAlias(ref: AliasRef, doing: "moving it" | "removing it" | "replacing its version"): ForbiddenError {
  return new ForbiddenError(
    `alias ${quote(ref.alias)} of ${ref.project}/${ref.name} is protected: ${doing} needs admin on project "${ref.project}"`,
  );
}

/** Throws unless the caller may point the alias at `change.version` with `change.protected` (undefined: unchanged). */
export function checkAliasChange(
  ref: AliasRef,
  current: AliasRecord | null,
  change: { readonly version: number; readonly protected: boolean | undefined },
  admin: boolean,
): void {
  if (admin) return;
  if (current?.protected && current.version !== change.version) throw protectedAlias(ref, "moving it");
  if (change.protected !== undefined && change.protected !== (current?.protected ?? false)) {
    throw new ForbiddenError(`protecting an alias or lifting its protection needs admin on project "${ref.project}"`);
  }
}

/** Throws unless the caller may remove the alias. */
export function checkAliasRemoval(ref: AliasRef, current: AliasRecord, admin: boolean): void {
  if (current.protected && !admin) throw protectedAlias(ref, "removing it");
}

/**
 * Throws unless a delete of `ref` may remove the aliases pointing at it: CONFLICT
 * naming them (message and `details.aliases`) without `force`; FORBIDDEN with
 * force when one is protected and the caller is no admin.
 */
export function checkAliasedDelete(
  ref: ModelRef,
  aliases: readonly AliasInTheWay[],
  options: { readonly force: boolean; readonly admin: boolean },
): void {
  const names = aliases.map((a) => a.alias);
  if (!options.force) {
    const one = names.length === 1;
    throw new ConflictError(
      `${ref.project}/${ref.name}@${ref.version} is what ${one ? "alias" : "aliases"} ${names.map((a) => quote(a)).join(", ")} ` +
        `${one ? "points" : "point"} at: move or remove ${one ? "it" : "them"} first, ` +
        "or delete with force: true to remove them with the version",
      { aliases: names },
    );
  }
  const guarded = aliases.find((a) => a.protected);
  if (guarded && !options.admin) throw protectedAlias({ ...ref, alias: guarded.alias }, "removing it");
}

/**
 * Throws unless an overwrite of `ref` may replace what the aliases pointing at it serve:
 * FORBIDDEN when one is protected and the caller is no admin (as a forced delete would be).
 */
export function checkAliasedOverwrite(ref: ModelRef, aliases: readonly AliasInTheWay[], admin: boolean): void {
  const guarded = aliases.find((a) => a.protected);
  if (guarded && !admin) throw protectedAlias({ ...ref, alias: guarded.alias }, "replacing its version");
}
