import fs from "node:fs/promises";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

/** The self-hosted IDE in a real Chromium (Debian's), with every non-local request refused. */
describe("GraphQL IDE", () => {
  let gw: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    gw = await startTestGateway();
    await gw.upload({ name: "mnist", metrics: [{ key: "accuracy", value: 0.98 }] }, { "w.bin": "weights" });
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  test("loads offline under the gateway's CSP and reaches the endpoint", async () => {
    const page = await browser.newPage();
    const origin = new URL(gw.url).origin;
    const foreign: string[] = [];
    const problems: string[] = [];
    // Offline: anything not served by the gateway itself is refused and recorded.
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    const graphqlPosts: number[] = [];
    page.on("response", (response) => {
      if (response.url() === gw.url && response.request().method() === "POST") graphqlPosts.push(response.status());
    });

    const response = await page.goto(gw.url, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self'/);
    // Altair introspects the endpoint once it is up.
    await page.waitForFunction(() => document.querySelector(".loading-screen") === null || getComputedStyle(document.querySelector(".loading-screen")!).display === "none", undefined, { timeout: 30_000 });
    await expect.poll(() => graphqlPosts.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(graphqlPosts.every((status) => status === 200)).toBe(true);
    // Run the prefilled query from the UI and read the answer off the page.
    await page.getByText("Send Request").first().click();
    await expect.poll(() => page.locator("body").innerText(), { timeout: 15_000 }).toMatch(/"__typename":\s*"Query"/);
    await fs.mkdir("test/.artifacts", { recursive: true });
    await page.screenshot({ path: "test/.artifacts/ide.png" });
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  });

  test("switched off, browsers get the JSON hint instead", async () => {
    const off = await startTestGateway({ config: { ide: false } });
    const res = await fetch(off.url, { headers: { accept: "text/html" } });
    expect(res.headers.get("content-type")).toMatch(/json/);
    expect(((await res.json()) as any).ide).toMatch(/off/);
    expect((await fetch(`${off.origin}/ide/main.js`)).status).not.toBe(200);
    await off.close();
  });
});
