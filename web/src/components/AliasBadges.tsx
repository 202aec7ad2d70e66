import { Link } from "wouter";
import type { AliasInfoFragment } from "../generated/graphql";

/** A padlock, drawn (a font may lack the emoji); its meaning is said in words beside it. */
function Lock() {
  return (
    <svg className="lock" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
      <path d="M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7zm2 0h4V5a2 2 0 0 0-4 0z" fill="currentColor" />
    </svg>
  );
}

/** One alias as a badge: its name, a lock when protected; a link to its stable URL when `familyUrl` is given. */
export function AliasBadge({ alias, familyUrl }: { alias: AliasInfoFragment; familyUrl?: string }) {
  const content = (
    <>
      {alias.protected && <Lock />}
      {alias.alias}
      {alias.protected && <span className="visually-hidden"> (protected)</span>}
    </>
  );
  const className = alias.protected ? "badge protected" : "badge";
  return familyUrl ? (
    <Link href={`${familyUrl}/aliases/${encodeURIComponent(alias.alias)}`} className={className}>
      {content}
    </Link>
  ) : (
    <span className={className}>{content}</span>
  );
}

/** A version's aliases as badges, in name order (nothing when it has none). */
export function AliasBadges({ aliases }: { aliases: readonly AliasInfoFragment[] | undefined }) {
  if (!aliases?.length) return null;
  return (
    <span className="badges">
      {aliases.map((alias) => (
        <AliasBadge key={alias.alias} alias={alias} />
      ))}
    </span>
  );
}
