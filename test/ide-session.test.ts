import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { launchPersistentChromium, TEAM_HOST, watchPage } from "./support/browser.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/** Everything the page's origin keeps: each IndexedDB database and store, localStorage, sessionStorage, window.name. */
interface StorageDump {
  readonly databases: Record<string, Record<string, unknown[]>>;
  readonly localStorage: Record<string, string>;
  readonly sessionStorage: Record<string, string>;
  readonly windowName: string;
}

/** Reads every IndexedDB database of the page's origin (bypassing the IDE's own `open`), and the other storages. */
function dumpStorage(page: Page): Promise<StorageDump> {
  return page.evaluate(async () => {
    // Not indexedDB.open: on an IDE page that is the session script's, which renames "AltairDB".
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const open = IDBFactory.prototype.open;
    const request = <T>(r: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error ?? new Error("IndexedDB request failed"));
      });
    const databases: Record<string, Record<string, unknown[]>> = {};
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue;
      const db = await request(open.call(indexedDB, name));
      const stores: Record<string, unknown[]> = {};
      for (const store of Array.from(db.objectStoreNames))
        stores[store] = await request(db.transaction(store, "readonly").objectStore(store).getAll());
      db.close();
      databases[name] = stores;
    }
    const entries = (storage: Storage) => Object.fromEntries(Object.keys(storage).map((key) => [key, storage.getItem(key) ?? ""]));
    return { databases, localStorage: entries(localStorage), sessionStorage: entries(sessionStorage), windowName: window.name };
  });
}

/** The dump as text, with what structured clone keeps but JSON drops (Dates, Maps) spelled out. */
const asText = (dump: StorageDump) => JSON.stringify(dump, (_key, value: unknown) => (value instanceof Map ? [...value] : value));

/** Waits until Altair has replaced its loading screen with the editor. */
async function editorShown(page: Page): Promise<void> {
  await page.getByText("Send Request").first().waitFor({ state: "visible", timeout: 30_000 });
}

/**
 * Types `token` into the IDE — its Auth tab (Bearer Token), or an `Authorization` header in its
 * Set Headers dialog — and runs a query that needs it.
 */
async function queryWithKey(page: Page, token: string, via: "auth tab" | "header" = "auth tab"): Promise<void> {
  if (via === "auth tab") {
    await page.getByText("Auth", { exact: true }).first().click();
    await page.locator("nz-select[formcontrolname=type]").click();
    await page.locator("nz-option-item", { hasText: "Bearer Token" }).click();
    await page.locator("form .cm-content").click();
    await page.keyboard.insertText(token);
  } else {
    await page.getByText("Set Headers").first().click();
    // The empty row after the prefilled apollo-require-preflight.
    await page.locator('.headers-editor [aria-placeholder="Header key"]').nth(1).click();
    await page.keyboard.insertText("Authorization");
    await page.locator('.headers-editor [aria-placeholder="Header value"]').nth(1).click();
    await page.keyboard.insertText(`Bearer ${token}`);
    await page.locator(".ant-modal-close").click();
  }
  await page.getByText("Query", { exact: true }).first().click();
  await page.locator(".cm-content", { hasText: "__typename" }).click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.insertText(`{ models(name: "mnist") { nodes { version metric(key: "accuracy") } } }`);
  await page.getByText("Send Request").first().click();
  await expect.poll(() => page.locator("body").innerText(), { timeout: 15_000 }).toMatch(/"metric":\s*0\.98/);
}

/**
 * The IDE keeps Altair's state (the key typed in its Auth tab too) to the page that typed it,
 * in a real Chromium whose profile outlives it (a shared workstation). Opened by a team
 * host name over plain HTTP: not a secure context, as most teams open it.
 */
describe("GraphQL IDE: a key typed in it does not outlive the page", () => {
  let gw: TestGateway;
  let origin: string;
  let profile: string;
  const admin = generateKey();

  beforeAll(async () => {
    gw = await startTestGateway({ config: { adminKey: admin.token } });
    origin = `http://${TEAM_HOST}:${new URL(gw.origin).port}`;
    const created = await gw.gql(
      `mutation { createModel(input: { name: "mnist", metrics: [{ key: "accuracy", value: 0.98 }] }) { version } }`,
      {},
      {
        authorization: `Bearer ${admin.token}`,
      },
    );
    expect(created.data).toEqual({ createModel: { version: 1 } });
    profile = await fs.mkdtemp(path.join(os.tmpdir(), "homer-ide-profile-"));
  });
  afterAll(async () => {
    await gw?.close();
    if (profile) await fs.rm(profile, { recursive: true, force: true });
  });

  /** Runs `use` in the persistent profile, then closes the browser as a person would. */
  async function inBrowser<T>(use: (context: BrowserContext) => Promise<T>): Promise<T> {
    const context = await launchPersistentChromium(profile);
    try {
      return await use(context);
    } finally {
      await context.close();
    }
  }

  test("a key sent as an Authorization header is in the page's own database while it is open, and nowhere once the tab is closed, the browser too, and the IDE opened again", async () => {
    await inBrowser(async (context) => {
      const page = await context.newPage();
      const watch = await watchPage(page, origin);
      const response = await page.goto(`${origin}/graphql`, { waitUntil: "load" });
      // Nor does the page's address travel to other sites in a Referer.
      expect(response?.headers()["referrer-policy"]).toBe("no-referrer");
      await editorShown(page);
      await queryWithKey(page, admin.token, "header");
      // Altair writes its state when the browser is idle: the key lands in the page's database.
      await expect.poll(async () => asText(await dumpStorage(page)), { timeout: 15_000 }).toContain(admin.token);
      const open = await dumpStorage(page);
      expect(
        Object.keys(open.databases).filter((name) =>
          asText({ ...open, databases: { [name]: open.databases[name]! } }).includes(admin.token),
        ),
      ).toEqual([expect.stringMatching(/^AltairDB\.homer-page\.[0-9a-f]{32}$/)]);
      expect(watch.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
      // The person closes the tab; the browser stays open. Another page of the origin looks.
      await page.close({ runBeforeUnload: true });
      const other = await context.newPage();
      await watchPage(other, origin);
      await other.goto(`${origin}/healthz`, { waitUntil: "load" });
      await expect.poll(async () => Object.keys((await dumpStorage(other)).databases), { timeout: 10_000 }).toEqual([]);
      expect(asText(await dumpStorage(other))).not.toContain(admin.token);
    });

    await inBrowser(async (context) => {
      const page = await context.newPage();
      await watchPage(page, origin);
      // Before any IDE page runs: nothing came back with the browser.
      await page.goto(`${origin}/healthz`, { waitUntil: "load" });
      const closed = await dumpStorage(page);
      expect(asText(closed)).not.toContain(admin.token);
      expect(Object.keys(closed.databases).filter((name) => name.startsWith("AltairDB"))).toEqual([]);
      // And the IDE opened again shows no key and keeps none.
      await page.goto(`${origin}/graphql`, { waitUntil: "load" });
      await editorShown(page);
      await page.getByText("Auth", { exact: true }).first().click();
      expect(await page.locator("body").innerText()).not.toContain(admin.token);
      await page.waitForTimeout(1500);
      expect(asText(await dumpStorage(page))).not.toContain(admin.token);
    });
  });

  test("the Auth tab's key of a page that never said goodbye (the browser killed with the IDE open) and what older gateways left (AltairDB, localStorage) are deleted by the next IDE page", async () => {
    await inBrowser(async (context) => {
      const page = await context.newPage();
      await watchPage(page, origin);
      await page.goto(`${origin}/graphql`, { waitUntil: "load" });
      await editorShown(page);
      await queryWithKey(page, admin.token);
      await expect.poll(async () => asText(await dumpStorage(page)), { timeout: 15_000 }).toContain(admin.token);
      // What a gateway before this fix left: Altair's own database, the key in it (made from a
      // page of the origin that is not the IDE, whose script would rename it).
      const older = await context.newPage();
      await watchPage(older, origin);
      await older.goto(`${origin}/healthz`, { waitUntil: "load" });
      await older.evaluate(
        (token) =>
          new Promise<void>((resolve, reject) => {
            const request = indexedDB.open("AltairDB", 50);
            request.onupgradeneeded = () => request.result.createObjectStore("appState", { keyPath: "key" });
            request.onerror = () => reject(request.error ?? new Error("open failed"));
            request.onsuccess = () => {
              const db = request.result;
              const put = db
                .transaction("appState", "readwrite")
                .objectStore("appState")
                .put({ key: "[altair_]::windows::old", value: token });
              put.onsuccess = () => (db.close(), resolve());
              put.onerror = () => reject(put.error ?? new Error("put failed"));
            };
          }),
        admin.token,
      );
      // Altair releases before IndexedDB kept their state in localStorage, under altair_ names.
      await older.evaluate((token) => localStorage.setItem("altair_windows", JSON.stringify({ token })), admin.token);
      // No pagehide: the browser goes away with the page open, as when it is killed.
    });

    await inBrowser(async (context) => {
      const look = await context.newPage();
      await watchPage(look, origin);
      await look.goto(`${origin}/healthz`, { waitUntil: "load" });
      const left = await dumpStorage(look);
      expect(asText(left)).toContain(admin.token);
      expect(Object.keys(left.databases)).toContain("AltairDB");
      expect(left.localStorage.altair_windows).toContain(admin.token);

      const page = await context.newPage();
      await watchPage(page, origin);
      await page.goto(`${origin}/graphql`, { waitUntil: "load" });
      await editorShown(page);
      await expect.poll(async () => asText(await dumpStorage(look)), { timeout: 10_000 }).not.toContain(admin.token);
      expect(Object.keys((await dumpStorage(look)).databases)).toEqual([expect.stringMatching(/^AltairDB\.homer-page\./)]);
    });
  });

  test("a second IDE page leaves the first one's state alone, and each keeps working", async () => {
    await inBrowser(async (context) => {
      const first = await context.newPage();
      await watchPage(first, origin);
      await first.goto(`${origin}/graphql`, { waitUntil: "load" });
      await editorShown(first);
      await queryWithKey(first, admin.token);
      await expect.poll(async () => asText(await dumpStorage(first)), { timeout: 15_000 }).toContain(admin.token);
      const [firstDb] = Object.keys((await dumpStorage(first)).databases);

      const second = await context.newPage();
      const watch = await watchPage(second, origin);
      await second.goto(`${origin}/graphql`, { waitUntil: "load" });
      await editorShown(second);
      // Past the time a new page gives open ones to answer before it sweeps.
      await second.waitForTimeout(2500);
      const both = await dumpStorage(second);
      expect(Object.keys(both.databases).sort()).toHaveLength(2);
      expect(Object.keys(both.databases)).toContain(firstDb);
      expect(asText(both)).toContain(admin.token);
      // The second page runs a query of its own (without a key: refused, and said so).
      await second.getByText("Send Request").first().click();
      await expect.poll(() => second.locator("body").innerText(), { timeout: 15_000 }).toMatch(/"__typename":\s*"Query"|UNAUTHENTICATED/);
      expect(watch.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
    });
  });
});
