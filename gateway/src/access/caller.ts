import { ForbiddenError } from "../domain/errors.js";
import type { Grant, Role } from "../domain/records.js";

const RANK: Readonly<Record<Role, number>> = { read: 1, write: 2, admin: 3 };

/**
 * Who is asking, and what they may do. Every registry call takes one; the
 * registry checks it before touching storage.
 */
export class Caller {
  private constructor(
    /** The API key's id, or null without keys (open mode). */
    readonly keyId: string | null,
    private readonly grants: readonly Grant[],
    /** `project` omitted means this one. */
    readonly defaultProject: string,
    /** When the key was found valid (`performance.now()`): a request's operation may run long after. */
    readonly checkedAt: number = performance.now(),
  ) {}

  /** No keys exist and the gateway is on loopback (or --insecure): everything is allowed. */
  static open(): Caller {
    return new Caller(null, [{ project: "*", role: "admin" }], "default");
  }

  static forKey(keyId: string, grants: readonly Grant[]): Caller {
    const first = grants.find((g) => g.project !== "*")?.project ?? "default";
    return new Caller(keyId, grants, first);
  }

  /** The role this caller has on `project` (a "*" grant counts for every project). */
  roleOn(project: string): Role | null {
    let best: Role | null = null;
    for (const grant of this.grants) {
      if ((grant.project === project || grant.project === "*") && (!best || RANK[grant.role] > RANK[best])) best = grant.role;
    }
    return best;
  }

  can(project: string, role: Role): boolean {
    const has = this.roleOn(project);
    return has !== null && RANK[has] >= RANK[role];
  }

  /**
   * Throws FORBIDDEN unless allowed. The message names the project only, never
   * whether a model exists in it.
   */
  require(project: string, role: Role): void {
    if (!this.can(project, role))
      throw new ForbiddenError(
        `this API key may not ${role === "read" ? "read" : role === "write" ? "write to" : "administer"} project "${project}"`,
      );
  }

  /** The projects this caller may read; null when it may read every project (a "*" grant). */
  readableProjects(): readonly string[] | null {
    if (this.grants.some((g) => g.project === "*")) return null;
    return [...new Set(this.grants.map((g) => g.project))];
  }

  /** Whether this caller may manage keys and projects everywhere. */
  get isGlobalAdmin(): boolean {
    return this.grants.some((g) => g.project === "*" && g.role === "admin");
  }

  /** For the audit log. */
  get who(): string {
    return this.keyId ?? "anonymous";
  }
}
