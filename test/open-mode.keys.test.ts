import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AccessService } from "../gateway/src/access/access.service.js";
import { BACKENDS, openTestStorage, type TestStorage } from "./support/backends.js";
import { silentLog } from "./support/registry.js";

const ADMIN_OF_ALL = { name: "all", grants: [{ project: "*", role: "admin" as const }] };

/**
 * Open mode (no key yet) lets anonymous requests in, and another replica believes
 * "no keys" for up to openModeRecheckMs after the first key's commit. Within that
 * window an anonymous request may still read and write, but it must not mint a key:
 * that key would outlive the window and keep the registry open to it for good.
 */
describe.each(BACKENDS)("the first API key and open mode on %s", (backend) => {
  let storage: TestStorage;
  beforeAll(async () => {
    storage = await openTestStorage(backend);
  });
  afterAll(() => storage?.cleanup());

  const replica = () => new AccessService(storage.access, { openWhenNoKeys: true, openModeRecheckMs: 60_000 }, silentLog);

  test("an anonymous caller on a replica still in open mode cannot create, list or revoke keys once the first one exists", async () => {
    const a = replica();
    const b = replica();
    const onA = await a.authenticate(undefined);
    const onB = await b.authenticate(undefined); // B now trusts "no keys" for the interval
    const first = await a.createApiKey(onA, { ...ADMIN_OF_ALL, name: "operator" });
    expect(first.token).toMatch(/^hmr_/);
    // B still answers anonymous requests within its interval, as documented...
    expect((await b.authenticate(undefined)).keyId).toBeNull();
    // ...but a key minted there now is refused, and none is stored.
    await expect(b.createApiKey(onB, { ...ADMIN_OF_ALL, name: "late" })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    // The same on A for a request that was let in before the first key committed.
    await expect(a.createApiKey(onA, { ...ADMIN_OF_ALL, name: "late-on-a" })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await storage.access.listKeys()).map((k) => k.name)).toEqual(["operator"]);
    // Nor may it list the keys, or revoke the first one (which would leave no usable key).
    await expect(b.listApiKeys(onB)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(b.revokeApiKey(onB, first.key.id)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await storage.access.findKey(first.key.id))!.revokedAt).toBeNull();
    // A key holder still creates keys as before.
    const holder = await a.authenticate(`Bearer ${first.token}`);
    expect((await a.createApiKey(holder, { ...ADMIN_OF_ALL, name: "second" })).token).toMatch(/^hmr_/);
  });

  test("the first key must hold * ADMIN: any other would leave nobody able to create projects or manage keys, for good", async () => {
    await storage.cleanup();
    storage = await openTestStorage(backend);
    const a = replica();
    const anonymous = await a.authenticate(undefined);
    for (const grants of [
      [{ project: "default", role: "write" as const }],
      [{ project: "default", role: "admin" as const }],
      [{ project: "*", role: "write" as const }],
    ]) {
      await expect(a.createApiKey(anonymous, { name: "ci", grants })).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
        details: { field: "grants" },
      });
    }
    expect(await storage.access.listKeys()).toEqual([]);
    expect((await a.authenticate(undefined)).keyId).toBeNull(); // still open
    const first = await a.createApiKey(anonymous, { name: "ops", grants: [{ project: "default", role: "read" }, ...ADMIN_OF_ALL.grants] });
    expect(first.key.grants).toHaveLength(2);
  });

  test("anonymous callers racing to create the first key: exactly one gets it", async () => {
    await storage.cleanup();
    storage = await openTestStorage(backend);
    const replicas = [replica(), replica(), replica()];
    const callers = await Promise.all(replicas.map((r) => r.authenticate(undefined)));
    const outcomes = await Promise.allSettled(
      replicas.flatMap((r, i) => [0, 1, 2].map((n) => r.createApiKey(callers[i]!, { ...ADMIN_OF_ALL, name: `k${i}-${n}` }))),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes) if (o.status === "rejected") expect(o.reason).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await storage.access.listKeys()).toHaveLength(1);
  });
});
