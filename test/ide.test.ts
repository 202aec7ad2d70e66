import fs from "node:fs/promises";
import syncFs from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { generateKey } from "../gateway/src/access/api-key.js";
import { launchChromium, TEAM_HOST, watchPage } from "./support/browser.js";
import { send } from "./support/raw-request.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/** Altair's upsell and its joke greeting: a self-hosted, offline IDE shows neither. */
const PROMOTIONAL = /Altair AI|Try Altair|Ezio/i;

/** Waits until Altair has replaced its loading screen with the editor. */
async function editorShown(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      document.querySelector(".loading-screen") === null || getComputedStyle(document.querySelector(".loading-screen")!).display === "none",
    undefined,
    { timeout: 30_000 },
  );
  await page.getByText("Send Request").first().waitFor({ state: "visible", timeout: 30_000 });
}

/** The self-hosted IDE in a real Chromium (Debian's), with every request elsewhere refused. */
describe("GraphQL IDE", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe("on loopback, without keys", () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway();
      await gw.upload({ name: "mnist", metrics: [{ key: "accuracy", value: 0.98 }] }, { "w.bin": "weights" });
    });
    afterAll(async () => {
      await gw?.close();
    });

    test("loads offline under the gateway's CSP, shows no promotions, and runs a query", async () => {
      const page = await browser.newPage();
      const watch = await watchPage(page, gw.origin);
      const graphqlPosts: number[] = [];
      page.on("response", (response) => {
        if (response.url() === gw.url && response.request().method() === "POST") graphqlPosts.push(response.status());
      });

      const response = await page.goto(gw.url, { waitUntil: "load" });
      expect(response?.status()).toBe(200);
      expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self'/);
      await editorShown(page);
      // Altair introspects the endpoint once it is up.
      await expect.poll(() => graphqlPosts.length, { timeout: 30_000 }).toBeGreaterThan(0);
      expect(graphqlPosts.every((status) => status === 200)).toBe(true);
      expect(await page.locator("body").innerText()).not.toMatch(PROMOTIONAL);
      // Run the prefilled query from the UI and read the answer off the page.
      await page.getByText("Send Request").first().click();
      await expect.poll(() => page.locator("body").innerText(), { timeout: 15_000 }).toMatch(/"__typename":\s*"Query"/);
      await fs.mkdir("test/.artifacts", { recursive: true });
      await page.screenshot({ path: "test/.artifacts/ide.png" });
      expect(await page.locator("body").innerText()).not.toMatch(PROMOTIONAL);
      expect(watch.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
      expect(watch.foreign).toEqual([]);
      await page.close();
    });

    test("subscribes from the IDE: a modelEvents subscription shows a create made elsewhere", async () => {
      const page = await browser.newPage();
      const watch = await watchPage(page, gw.origin);
      await page.goto(gw.url, { waitUntil: "load" });
      await editorShown(page);
      // The query editor (the URL bar is a CodeMirror too).
      const editor = page.locator(".cm-content", { hasText: "__typename" }).first();
      await editor.click();
      await page.keyboard.press("Control+A");
      await page.keyboard.press("Delete");
      await page.keyboard.insertText('subscription { modelEvents(name: "mnist") { type version } }');
      await page.getByText("Send Request").first().click();
      // No acknowledgement of a subscribe exists: create until the page shows an event.
      await expect
        .poll(
          async () => {
            await gw.upload({ name: "mnist" }, { "w.bin": "weights" });
            return page.locator("body").innerText();
          },
          { timeout: 30_000, interval: 500 },
        )
        .toMatch(/"type":\s*"CREATED"/);
      await page.screenshot({ path: "test/.artifacts/ide-subscription.png" });
      expect(watch.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
      expect(watch.foreign).toEqual([]);
      await page.close();
    });

    test("Altair's script sandbox page runs in an opaque origin (sandbox CSP), and the IDE hides the script switch it cannot honour", async () => {
      const res = await fetch(`${gw.origin}/ide/iframe-sandbox/index.html`);
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toMatch(/^sandbox allow-scripts;/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      await res.text();

      // Opened directly, as a link could: not the gateway's origin, none of its storage.
      const page = await browser.newPage();
      await watchPage(page, gw.origin);
      await page.goto(`${gw.origin}/ide/iframe-sandbox/index.html`, { waitUntil: "load" });
      expect(
        await page.evaluate(() => {
          try {
            return [window.origin, String(localStorage.length)];
          } catch (error) {
            return [window.origin, (error as Error).name];
          }
        }),
      ).toEqual(["null", "SecurityError"]);

      // In the IDE: the pre-request editor says scripts are off and offers no switch.
      await page.goto(gw.url, { waitUntil: "load" });
      await editorShown(page);
      await page.getByText("Pre-request", { exact: true }).first().click();
      const editor = page.locator(".request-script-editor").first();
      await editor.waitFor({ state: "visible" });
      expect(await editor.evaluate((element) => getComputedStyle(element, "::before").content)).toMatch(/scripts are off in Homer's IDE/);
      expect(await page.getByText("Enable pre-request script").isVisible()).toBe(false);
      await page.getByText("Post-request", { exact: true }).first().click();
      await expect.poll(() => page.locator(".request-script-editor").first().isVisible()).toBe(true);
      expect(await page.getByText("Enable post-request script").isVisible()).toBe(false);
      await page.close();
    });

    test("the page is the same on every load; the options script, made from the request's host, is never shared by a cache", async () => {
      const load = async () => (await fetch(gw.url, { headers: { accept: "text/html" } })).text();
      // Altair's renderer reads its index.html synchronously on each call: the gateway calls it once.
      const reads = vi.spyOn(syncFs, "readFileSync");
      try {
        const first = await load();
        expect(first).toMatch(/initial_options\.js/);
        expect(await load()).toBe(first);
        expect(reads.mock.calls.filter(([file]) => String(file).endsWith("index.html")).length).toBeLessThanOrEqual(1);
      } finally {
        reads.mockRestore();
      }
      const script = await fetch(`${gw.origin}/ide/initial_options.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get("cache-control")).toBe("private, no-cache");
      expect(await script.text()).toContain(`ws://${new URL(gw.origin).host}/graphql`);
    });

    test("the IDE's files: those named by their content are kept for good, the others asked again (304 by ETag)", async () => {
      const page = await (await fetch(gw.url, { headers: { accept: "text/html" } })).text();
      const chunk = /href="(chunk-[A-Z0-9]{8}\.js)"/.exec(page)?.[1];
      expect(chunk).toBeDefined();
      const hashed = await fetch(`${gw.origin}/ide/${chunk}`);
      expect(hashed.status).toBe(200);
      expect(hashed.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      await hashed.arrayBuffer();
      // main.js keeps its name from one Altair release to the next: a browser must not run an old one for an hour.
      // (node:http, not fetch: fetch adds `Cache-Control: no-cache` to a conditional request, which never gets a 304.)
      for (const file of ["main.js", "polyfills.js", "styles.css", "assets/i18n/en-US.json"]) {
        const res = await send(gw.origin, { path: `/ide/${file}` });
        expect([file, res.status, res.headers["cache-control"]]).toEqual([file, 200, "public, no-cache"]);
        const etag = res.headers.etag;
        expect(etag).toBeTruthy();
        const again = await send(gw.origin, { path: `/ide/${file}`, headers: { "if-none-match": etag! } });
        expect([file, again.status, again.body.length]).toEqual([file, 304, 0]);
        const head = await send(gw.origin, { method: "HEAD", path: `/ide/${file}` });
        expect([file, head.status, head.headers["cache-control"], head.body.length]).toEqual([file, 200, "public, no-cache", 0]);
      }
    });

    test("switched off, browsers get the JSON hint instead", async () => {
      const off = await startTestGateway({ config: { ide: false } });
      const res = await fetch(off.url, { headers: { accept: "text/html" } });
      expect(res.headers.get("content-type")).toMatch(/json/);
      expect((await res.json()).ide).toMatch(/off/);
      expect((await fetch(`${off.origin}/ide/main.js`)).status).not.toBe(200);
      await off.close();
    });

    test("the root is the web app for browsers (the IDE stays at /graphql); API clients keep JSON", async () => {
      const html = await fetch(`${gw.origin}/`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" }, redirect: "manual" });
      // 200 with a build of web/, 503 and how to make one without.
      expect([200, 503]).toContain(html.status);
      expect(html.headers.get("content-type")).toMatch(/html/);
      for (const accept of ["application/json", "*/*"]) {
        const api = await fetch(`${gw.origin}/`, { headers: { accept }, redirect: "manual" });
        expect(api.status).toBe(404);
        expect((await api.json()).errors[0].extensions.code).toBe("NOT_FOUND");
      }
    });

    test("TLS-only headers (upgrade-insecure-requests, HSTS) only when the public URL is https", async () => {
      const plain = await fetch(gw.url, { headers: { accept: "text/html" } });
      expect(plain.headers.get("content-security-policy")).not.toMatch(/upgrade-insecure-requests/);
      expect(plain.headers.get("strict-transport-security")).toBeNull();
      const tls = await startTestGateway({ config: { publicUrl: "https://models.example.com" } });
      const res = await fetch(tls.url, { headers: { accept: "text/html" } });
      expect(res.headers.get("content-security-policy")).toMatch(/upgrade-insecure-requests/);
      expect(res.headers.get("strict-transport-security")).toMatch(/max-age=/);
      await tls.close();
    });
  });

  test("a team server opened by a non-loopback name over plain HTTP renders and runs a query with the user's key", async () => {
    const admin = generateKey();
    const gw = await startTestGateway({ config: { adminKey: admin.token } });
    const auth = { authorization: `Bearer ${admin.token}` };
    expect(
      (
        await gw.gql(
          `mutation { createModel(input: { name: "mnist", metrics: [{ key: "accuracy", value: 0.98 }] }) { version } }`,
          {},
          auth,
        )
      ).data,
    ).toEqual({ createModel: { version: 1 } });
    const origin = `http://${TEAM_HOST}:${new URL(gw.origin).port}`;
    const page = await browser.newPage();
    const watch = await watchPage(page, origin);

    // As a person types it: the IDE's address (the root is the web app).
    const response = await page.goto(`${origin}/graphql`, { waitUntil: "load" });
    expect(response?.url()).toBe(`${origin}/graphql`);
    expect(response?.headers()["content-security-policy"]).not.toMatch(/upgrade-insecure-requests/);
    await editorShown(page);
    expect(await page.locator("body").innerText()).not.toMatch(PROMOTIONAL);

    // The user's key, entered in the IDE's Auth tab.
    await page.getByText("Auth", { exact: true }).first().click();
    await page.locator("nz-select[formcontrolname=type]").click();
    await page.locator("nz-option-item", { hasText: "Bearer Token" }).click();
    await page.locator("form .cm-content").click();
    await page.keyboard.insertText(admin.token);
    // A real query, typed into the query editor.
    await page.getByText("Query", { exact: true }).first().click();
    await page.locator(".cm-content", { hasText: "__typename" }).click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.insertText(`{ models(name: "mnist") { nodes { name version metric(key: "accuracy") } } }`);
    await page.getByText("Send Request").first().click();
    await expect.poll(() => page.locator("body").innerText(), { timeout: 15_000 }).toMatch(/"metric":\s*0\.98/);
    await fs.mkdir("test/.artifacts", { recursive: true });
    await page.screenshot({ path: "test/.artifacts/ide-team-host.png" });

    expect(await page.locator("body").innerText()).not.toMatch(PROMOTIONAL);
    expect(watch.problems.filter((p) => /Content Security Policy|Refused to|ERR_/i.test(p))).toEqual([]);
    // With the old CSP every script and style was rewritten to https:// and refused here.
    expect(watch.foreign).toEqual([]);
    await page.close();
    await gw.close();
  });
});
