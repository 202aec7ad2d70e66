import type { Logger } from "pino";
import { AlreadyExistsError, BadInputError, ForbiddenError, NotFoundError, UnauthenticatedError, keyRevoked } from "../domain/errors.js";
import { assertLabel, assertStorable, quote } from "../domain/text.js";
import { assertName } from "../domain/rules.js";
import { ROLES } from "../domain/limits.js";
import type { Grant, Role } from "../domain/records.js";
import type { AccessStore, ApiKeyRecord, ProjectRecord } from "../storage/access-store.js";
import { generateKey, importKey, isKeyId, parseKey, secretMatches, type GeneratedKey } from "./api-key.js";
import { TICKET_MAX_USES, TICKET_TTL_MS, generateTicket, parseTicket, sameTarget, type TicketTarget } from "./download-ticket.js";
import { Caller } from "./caller.js";

/** How long a request's key check is believed before its operation runs (`AccessService.current`). */
export const KEY_CHECK_FRESH_MS = 1_000;

export interface AccessOptions {
  /** With no key in the database, requests without a key are allowed (loopback or --insecure). */
  readonly openWhenNoKeys: boolean;
  /**
   * How long a "no keys exist" answer is believed (0: never). Measured from the
   * start of the statement that gave it, so a key committed by any process is
   * required here on every request that starts this long after its commit.
   */
  readonly openModeRecheckMs: number;
}

/**
 * Projects and API keys: who a request is (`authenticate`) and the admin
 * operations on keys and projects, each checked against the caller.
 */
export class AccessService {
  /** Sticky: once any key exists, it always will (revoked keys still count). */
  #keysExist = false;
  /** performance.now() until which "no keys" still holds (open mode answers without a statement). */
  #noKeysUntil = 0;
  /** The statement in flight, shared by the requests that arrive meanwhile. */
  #checking: { readonly started: number; readonly answer: Promise<boolean> } | null = null;

  constructor(
    private readonly store: AccessStore,
    private readonly options: AccessOptions,
    private readonly log: Logger,
  ) {}

  /**
   * Whether any key exists. `true` is remembered for good; `false` for
   * `openModeRecheckMs` from the start of the statement that answered it, so open
   * mode costs one `select … limit 1` per interval instead of one per request,
   * and a key created on another replica closes this one within that interval.
   * Concurrent requests share one statement, unless it started too long ago to
   * vouch for them.
   */
  async keysExist(): Promise<boolean> {
    if (this.#keysExist) return true;
    const now = performance.now();
    if (now < this.#noKeysUntil) return false;
    const inFlight = this.#checking;
    if (inFlight && now < inFlight.started + this.options.openModeRecheckMs) return inFlight.answer;
    const check = { started: now, answer: this.#ask(now) };
    this.#checking = check;
    void check.answer
      .finally(() => {
        if (this.#checking === check) this.#checking = null;
      })
      .catch(() => {});
    return check.answer;
  }

  async #ask(started: number): Promise<boolean> {
    const any = await this.store.anyKeys();
    if (any) this.#keysExist = true;
    else this.#noKeysUntil = Math.max(this.#noKeysUntil, started + this.options.openModeRecheckMs);
    return any;
  }

  /** The caller behind an `Authorization` header (checked against the database on every request). */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    if (authorization === undefined || authorization === "") {
      if (!(await this.keysExist()) && this.options.openWhenNoKeys) return Caller.open();
      throw new UnauthenticatedError("an API key is required: send Authorization: Bearer <key>");
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const parsed = match ? parseKey(match[1]!) : null;
    if (!parsed) throw new UnauthenticatedError("the Authorization header must be Bearer <key>, with a key this registry issued");
    const key = await this.store.findKey(parsed.id);
    if (!key || !secretMatches(parsed.secret, key.secretSha256)) throw new UnauthenticatedError("unknown API key");
    if (key.revokedAt) throw keyRevoked();
    return Caller.forKey(key.id, key.grants);
  }

  /**
   * The caller again, as the database has it now (for long-lived subscriptions):
   * UNAUTHENTICATED once its key is revoked, or, for an anonymous caller, once
   * keys exist.
   */
  async recheck(caller: Caller): Promise<Caller> {
    if (caller.keyId === null) {
      // Another replica may have created the first key: seen within openModeRecheckMs.
      if ((await this.keysExist()) || !this.options.openWhenNoKeys) throw new UnauthenticatedError("an API key is now required");
      return caller;
    }
    const key = await this.store.findKey(caller.keyId);
    if (!key || key.revokedAt) throw keyRevoked();
    return Caller.forKey(key.id, key.grants);
  }

  /**
   * The caller of a request about to run: as authenticated when its key was checked less
   * than KEY_CHECK_FRESH_MS ago, else checked again (`recheck`). A request is authenticated
   * as its headers arrive, before its body is read, and the body may take any time (only
   * an idle limit applies): a key revoked meanwhile is refused here. Most bodies arrive at
   * once, and cost no second lookup.
   */
  async current(caller: Caller): Promise<Caller> {
    return performance.now() - caller.checkedAt < KEY_CHECK_FRESH_MS ? caller : this.recheck(caller);
  }

  /**
   * A download ticket for one file the caller has read, or for a version's archive
   * (`target.path` null): a URL parameter a browser may download it with, without the key,
   * until `expiresAt`. `contentSha256` is what it is now: the file's sha256, or the version's
   * `filesDigest`; the download refuses the ticket once that changed.
   * Needs a key: without keys (open mode) the file's URL needs no ticket.
   */
  async mintDownloadTicket(caller: Caller, target: TicketTarget, contentSha256: string): Promise<{ token: string; expiresAt: Date }> {
    if (caller.keyId === null)
      throw new BadInputError("a download ticket is minted for an API key; without keys the file's URL needs none");
    caller.require(target.project, "read");
    const ticket = generateTicket();
    const expiresAt = await this.store.mintTicket(
      { id: ticket.id, secretSha256: ticket.secretSha256, keyId: caller.keyId, ...target, contentSha256 },
      TICKET_TTL_MS,
    );
    return { token: ticket.token, expiresAt };
  }

  /**
   * The caller a download ticket stands for, on `target` only, and the content's sha256 it
   * was minted for (the download must still find it): one use counted. Every refusal of
   * the ticket itself says the same (UNAUTHENTICATED); a revoked key says so.
   */
  async redeemDownloadTicket(token: string, target: TicketTarget): Promise<{ caller: Caller; contentSha256: string }> {
    const refused = () => new UnauthenticatedError("invalid or expired download ticket");
    const parsed = parseTicket(token);
    const ticket = parsed ? await this.store.findTicket(parsed.id, TICKET_MAX_USES) : null;
    if (!parsed || !ticket || !secretMatches(parsed.secret, ticket.secretSha256) || !sameTarget(ticket, target)) throw refused();
    const key = await this.store.findKey(ticket.keyId);
    if (!key || key.revokedAt) throw keyRevoked();
    if (!(await this.store.spendTicket(ticket.id, TICKET_MAX_USES))) throw refused();
    return { caller: Caller.forKey(key.id, key.grants), contentSha256: ticket.contentSha256 };
  }

  /**
   * First start: `adminKey` "generate" makes an admin key for every project and
   * returns it (to print once); a key value imports it. Nothing happens once keys exist.
   */
  async bootstrap(adminKey: string | undefined): Promise<GeneratedKey | null> {
    if (!adminKey) return null;
    const key = adminKey === "generate" ? generateKey() : importKey(adminKey);
    if (!key) throw new BadInputError("HOMER_ADMIN_KEY must be a key this registry issued (hmr_…) or the word generate");
    // Only the first start bootstraps (one of several replicas starting together);
    // later, keys are managed through the API.
    const created =
      !(await this.keysExist()) &&
      (await this.store.createFirstKey({
        id: key.id,
        name: "bootstrap admin",
        secretSha256: key.secretSha256,
        grants: [{ project: "*", role: "admin" }],
        createdBy: null,
      }));
    this.#keysExist = true;
    if (!created) {
      const existing = await this.store.findKey(key.id);
      if (adminKey !== "generate" && (!existing || existing.secretSha256 !== key.secretSha256 || existing.revokedAt)) {
        this.log.warn({ keyId: key.id }, "HOMER_ADMIN_KEY is ignored: keys already exist and it is not one of them (or it was revoked)");
      }
      return null;
    }
    this.log.info({ audit: "key.create", keyId: key.id, by: "bootstrap", grants: "*:admin" }, "audit");
    return key;
  }

  async createProject(caller: Caller, name: string): Promise<ProjectRecord> {
    if (!caller.isGlobalAdmin) throw new ForbiddenError("only an admin key for every project (*) may create projects");
    assertName(name, "name");
    const project = await this.store.createProject(name, caller.keyId);
    if (!project) throw new AlreadyExistsError("project", name);
    this.log.info({ audit: "project.create", by: caller.who, project: name }, "audit");
    return project;
  }

  /** Projects the caller has any role on (all of them for a global admin). */
  async listProjects(caller: Caller): Promise<ProjectRecord[]> {
    const projects = await this.store.listProjects();
    return projects.filter((p) => caller.roleOn(p.name) !== null);
  }

  /** A new key; its secret is in the returned token only, never stored. */
  async createApiKey(caller: Caller, input: { name: string; grants: readonly Grant[] }): Promise<{ key: ApiKeyRecord; token: string }> {
    // Key names are shown in terminals and logs: a label, never control characters.
    const name = assertLabel(input.name.trim(), "name", 128);
    if (name.length === 0) throw new BadInputError("name must be 1-128 characters", "name");
    if (input.grants.length === 0 || input.grants.length > 100) throw new BadInputError("a key needs 1-100 grants", "grants");
    const seen = new Set<string>();
    for (const [i, grant] of input.grants.entries()) {
      if (grant.project !== "*") assertName(grant.project, `grants[${i}].project`);
      if (!ROLES.includes(grant.role)) throw new BadInputError(`grants[${i}].role must be one of ${ROLES.join(", ")}`, `grants[${i}].role`);
      if (seen.has(grant.project)) throw new BadInputError(`grants names project "${grant.project}" twice`, `grants[${i}].project`);
      seen.add(grant.project);
      this.#requireAdminOf(caller, grant.project);
    }
    // The first key ends open mode for good (HOMER_ADMIN_KEY is ignored once a key exists):
    // without * ADMIN nobody could ever create a project or another admin key again.
    if (caller.keyId === null && !input.grants.some((g) => g.project === "*" && g.role === "admin")) {
      throw new BadInputError(
        "the first API key must hold * ADMIN (admin of every project): once it exists every request needs a key, " +
          "and only such a key creates projects and grants *",
        "grants",
      );
    }
    const named = input.grants.filter((g) => g.project !== "*").map((g) => g.project);
    const existing = await this.store.projectsExist(named);
    const missing = named.find((p) => !existing.has(p));
    if (missing) throw new NotFoundError("project", missing);
    const generated = generateKey();
    const draft = { id: generated.id, name, secretSha256: generated.secretSha256, grants: input.grants, createdBy: caller.keyId };
    // An anonymous caller was let in because no key existed when its request began (or
    // within openModeRecheckMs of that, on another replica): it may create the first
    // key only. Decided under the first key's lock, so a key minted by anyone after the
    // registry was locked down is refused, never a way back in for good.
    const key = caller.keyId === null ? await this.store.createFirstKey(draft) : await this.store.createKey(draft);
    this.#keysExist = true;
    if (!key) throw new UnauthenticatedError("an API key is now required");
    this.log.info(
      { audit: "key.create", by: caller.who, keyId: key.id, grants: input.grants.map((g) => `${g.project}:${g.role}`) },
      "audit",
    );
    return { key, token: generated.token };
  }

  /** Keys whose every grant the caller administers. */
  async listApiKeys(caller: Caller): Promise<ApiKeyRecord[]> {
    const keys = await this.store.listKeys();
    // An anonymous caller exists only while no key does (see createApiKey).
    if (caller.keyId === null && keys.length > 0) throw new UnauthenticatedError("an API key is now required");
    return keys.filter((k) => k.grants.every((g) => this.#administers(caller, g.project)));
  }

  async revokeApiKey(caller: Caller, id: string): Promise<ApiKeyRecord> {
    // An id this registry could never have issued is simply absent.
    const key = isKeyId(assertStorable(id, "id")) ? await this.store.findKey(id) : null;
    if (!key || !key.grants.every((g) => this.#administers(caller, g.project))) {
      // Same answer whether the key is absent or not the caller's to see.
      throw new NotFoundError("API key", quote(id));
    }
    // A key exists, so open mode is over, whatever a replica still believes: an anonymous
    // caller revoking the first key would leave the registry with no usable key at all.
    if (caller.keyId === null) throw new UnauthenticatedError("an API key is now required");
    await this.store.revokeKey(id, caller.keyId);
    this.log.info({ audit: "key.revoke", by: caller.who, keyId: id }, "audit");
    return (await this.store.findKey(id))!;
  }

  #administers(caller: Caller, project: string): boolean {
    return project === "*" ? caller.isGlobalAdmin : caller.can(project, "admin");
  }

  #requireAdminOf(caller: Caller, project: string): void {
    if (!this.#administers(caller, project)) {
      throw new ForbiddenError(
        project === "*" ? "only an admin key for every project (*) may grant *" : `this API key may not administer project "${project}"`,
      );
    }
  }
}

export type { Role };
