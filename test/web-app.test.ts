import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startAppServer } from "./support/app-server.js";
import { launchChromium, watchPage } from "./support/browser.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const README_URL = "http://localhost:4000/graphql";

/** The README's "Using Homer from a web app" urql block. */
async function readmeClientBlock(): Promise<string> {
  const readme = await fs.readFile(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Using Homer from a web app\n"));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

/**
 * Connects with the SDK's browser entry from inside the page; the error it throws, if any.
 * (Source text, not a function: vitest would rewrite a function's `import()`.)
 */
function sdkFromPage(page: Page, url: string): Promise<{ versions?: number[]; code?: string; message?: string }> {
  return page.evaluate(`(async () => {
    const { connection } = await import("/sdk/dist/browser.js");
    try {
      const registry = await connection({ url: ${JSON.stringify(url)} }).getModelRegistry();
      const models = await registry.getModels({ name: "mnist" });
      return { versions: models.map((m) => m.version) };
    } catch (error) {
      return { code: error.code, message: error.message };
    }
  })()`);
}

/** A frontend on its own origin (a dev server) using urql and the SDK against the gateway, in a real Chromium. */
describe("from a web app on another origin", () => {
  let browser: Browser;
  let app: Awaited<ReturnType<typeof startAppServer>>;
  const scripts: Record<string, string> = {};
  const gateways: TestGateway[] = [];
  const gateway = async (corsOrigins: string[]) => {
    const gw = await startTestGateway({ config: { corsOrigins } });
    gateways.push(gw);
    await gw.upload({ name: "mnist", metrics: [{ key: "accuracy", value: 0.98 }] }, { "w.bin": "weights" });
    return gw;
  };

  beforeAll(async () => {
    app = await startAppServer(scripts);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    for (const gw of gateways) await gw.close();
  });

  test("the README's urql client passes CSRF prevention and CORS when the origin is listed", async () => {
    const gw = await gateway([app.origin]);
    const page = await browser.newPage();
    const watch = await watchPage(page, app.origin, gw.origin);
    const logged: string[] = [];
    page.on("console", (message) => message.type() === "log" && logged.push(message.text()));
    // The block as written; only the gateway's address differs.
    scripts["/readme-client.js"] = (await readmeClientBlock()).replace(README_URL, gw.url);
    await page.goto(`${app.origin}/`);
    await page.evaluate(`import("/readme-client.js")`);
    await expect.poll(() => logged, { timeout: 10_000 }).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject([{ version: 1, metrics: [{ key: "accuracy", value: 0.98 }] }]);
    expect(await sdkFromPage(page, gw.url)).toEqual({ versions: [1] });
    expect(watch.foreign).toEqual([]);
    await page.close();
  });

  test("the SDK's browser entry watches events over the browser's own WebSocket (listed origin only)", async () => {
    const gw = await gateway([app.origin]);
    const page = await browser.newPage();
    await page.goto(`${app.origin}/`);
    await page.evaluate(`(async () => {
      const { connection } = await import("/sdk/dist/browser.js");
      const registry = await connection({ url: ${JSON.stringify(gw.url)} }).getModelRegistry();
      globalThis.seen = [];
      (async () => {
        try {
          for await (const event of registry.watch({ name: "mnist" })) globalThis.seen.push([event.type, event.version, event.model?.version]);
        } catch (error) {
          globalThis.seen.push(["error", error.code]);
        }
      })();
    })()`);
    await expect
      .poll(
        async () => {
          await gw.upload({ name: "mnist" }, { "w.bin": "weights" });
          return page.evaluate("globalThis.seen.length");
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBeGreaterThan(0);
    const [type, version, modelVersion] = await page.evaluate<[string, number, number]>("globalThis.seen[0]");
    expect([type, modelVersion]).toEqual(["CREATED", version]);
    await page.close();

    // Not listed: the gateway refuses the upgrade (browsers send Origin; WebSockets have no CORS).
    const other = await gateway([]);
    const refused = await browser.newPage();
    await refused.goto(`${app.origin}/`);
    const outcome = await refused.evaluate(`new Promise((resolve) => {
      const ws = new WebSocket(${JSON.stringify(other.url.replace("http", "ws"))}, "graphql-transport-ws");
      ws.onopen = () => resolve("open");
      ws.onerror = () => resolve("refused");
    })`);
    expect(outcome).toBe("refused");
    await refused.close();
  });

  test("an origin the gateway does not list: the SDK's error names HOMER_CORS_ORIGINS and the page origin (exact match only)", async () => {
    // localhost is not 127.0.0.1 for CORS: the page runs on 127.0.0.1.
    const gw = await gateway([app.origin.replace("127.0.0.1", "localhost")]);
    const page = await browser.newPage();
    await page.goto(`${app.origin}/`);
    const refused = await sdkFromPage(page, gw.url);
    expect(refused.code).toBe("NETWORK_ERROR");
    expect(refused.message).toContain(
      `the registry refused this origin or could not be reached: set HOMER_CORS_ORIGINS on the gateway to include ${app.origin}`,
    );
    await page.close();
  });
});
