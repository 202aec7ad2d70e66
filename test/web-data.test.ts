import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { connection } from "@homer/sdk";
import { Caller } from "../gateway/src/access/caller.js";
import { generateKey } from "../gateway/src/access/api-key.js";
import { startGateway, type Gateway } from "../gateway/src/app.js";
import { loadConfig } from "../gateway/src/config.js";
import { launchChromium, watchPage, type PageWatch } from "./support/browser.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";
import { captureLog } from "./support/log-capture.js";
import { silentLog } from "./support/registry.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The app's pages need a build (`npm run build`, run by `pretest`). */
const built = fs.existsSync(path.join(ROOT, "web", "dist", "index.html"));

/** A gateway on `first`'s port and store, as after a restart (`first`'s own gateway closed). */
function restarted(first: TestGateway): Promise<Gateway> {
  const { storage } = first;
  const config = {
    ...loadConfig(["--port", new URL(first.origin).port], {}),
    dataDir: storage.dataDir,
    databaseUrl: storage.databaseUrl,
    blobUrl: storage.blobUrl,
    shutdownGraceMs: 1000,
  };
  return startGateway(config, { log: silentLog });
}

/**
 * The web app as a client of a real gateway, in a real Chromium: what it shows of
 * the registry's data (values at the edges of their rules), each test on a
 * gateway of its own.
 */
describe.skipIf(!built)("the web app shows the registry's data as it is", () => {
  let browser: Browser;
  const opened: { gw: TestGateway; page: Page; watch: PageWatch }[] = [];
  /** A fresh gateway and a page watching it. */
  const open = async (options: Parameters<typeof startTestGateway>[0] = {}) => {
    const gw = await startTestGateway(options);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const watch = await watchPage(page, gw.origin);
    opened.push({ gw, page, watch });
    return { gw, page, watch };
  };

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const { gw, page } of opened.splice(0)) {
      await page.close();
      await gw.close();
    }
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("metric values keep their magnitude: 1.5e-10, 119999.99 and 1e10 + 0.5 are not shown as 0.15, 12 and 10", async () => {
    const { gw, page, watch } = await open();
    const metrics = [
      { key: "big", value: 119_999.99 },
      { key: "huge", value: 10_000_000_000.5 },
      { key: "tiny", value: 1.5e-10 },
    ];
    await gw.gateway.registry.createModel(Caller.open(), { name: "edges", metrics });
    const shown = { big: "120000", huge: "1e+10", tiny: "1.5e-10" };

    await page.goto(`${gw.origin}/projects/default/models/edges/versions/1`);
    await page.getByRole("heading", { name: "Metrics" }).waitFor();
    for (const [key, text] of Object.entries(shown)) {
      expect(await page.getByRole("row", { name: key }).getByRole("cell").innerText(), key).toBe(text);
    }
    // The family's table: one column per metric, in key order.
    await page.goto(`${gw.origin}/projects/default/models/edges`);
    const row = page.locator("table.data").last().locator("tbody tr").first();
    await row.getByRole("link", { name: "v1", exact: true }).waitFor();
    expect((await row.locator("td.num").allInnerTexts()).slice(0, 3)).toEqual(Object.values(shown));
    expect(watch.problems).toEqual([]);
  });

  test("long text (a 64 Ki description; a word of 5,000 letters in a description or a tag) neither widens the page nor hides the rows below", async () => {
    const { gw, page, watch } = await open();
    const caller = Caller.open();
    const word = "x".repeat(5_000);
    await gw.gateway.registry.createModel(caller, { name: "wordy", metrics: [{ key: "accuracy", value: 0.5 }], description: "short" });
    await gw.gateway.registry.createModel(caller, {
      name: "wordy",
      metrics: [{ key: "accuracy", value: 0.6 }],
      description: word,
      tags: { note: word },
    });
    await gw.gateway.registry.createModel(caller, {
      name: "wordy",
      metrics: [{ key: "accuracy", value: 0.7 }],
      description: "lorem ipsum ".repeat(5_461).slice(0, 65_536),
    });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

    await page.goto(`${gw.origin}/projects/default/models/wordy`);
    const rows = page.locator("table.data").last().locator("tbody tr");
    await rows.nth(2).getByRole("link", { name: "v1", exact: true }).waitFor();
    expect(await overflow()).toBe(0);
    // Every version's row is a few lines high and within the screen's width, the accuracy column with them.
    for (let i = 0; i < 3; i++) {
      const box = (await rows.nth(i).boundingBox())!;
      expect(box.height, `row ${i}`).toBeLessThan(150);
      expect(box.x + box.width, `row ${i}`).toBeLessThanOrEqual(1200);
    }
    expect(await rows.nth(2).locator("td.num").first().innerText()).toBe("0.5");

    await page.goto(`${gw.origin}/projects/default/models/wordy/versions/2`);
    await page.getByRole("heading", { name: "Tags" }).waitFor();
    expect(await overflow()).toBe(0);
    expect(watch.problems).toEqual([]);
  });

  test("a tag filter on a value holding %20 or %41 asks for that value (it was decoded twice: a space, an A), and the address keeps it through other changes", async () => {
    const { gw, page, watch } = await open();
    const caller = Caller.open();
    for (const source of ["my%20data.csv", "my data.csv", "50%41", "50A"]) {
      await gw.gateway.registry.createModel(caller, { name: "tagged", metrics: [{ key: "accuracy", value: 0.5 }], tags: { source } });
    }
    const rows = () => page.locator("table.data").last().locator("tbody th").allInnerTexts();
    await page.goto(`${gw.origin}/projects/default/models/tagged`);
    await expect.poll(rows).toEqual(["v4", "v3", "v2", "v1"]);
    await page.getByText("Filter versions").click();
    await page.getByLabel("Tag", { exact: true }).fill("source");
    await page.getByLabel("Tag value").fill("my%20data.csv");
    await page.getByRole("button", { name: "Apply the filter" }).click();
    await page.waitForURL(/tag=/);
    await expect.poll(rows).toEqual(["v1"]);
    expect(await page.getByLabel("Tag value").inputValue()).toBe("my%20data.csv");
    // Another change of the address (a sort) keeps the filter as it was.
    await page.getByRole("button", { name: "accuracy" }).click();
    await page.waitForURL(/sort=accuracy/);
    await expect.poll(rows).toEqual(["v1"]);
    expect(await page.getByLabel("Tag value").inputValue()).toBe("my%20data.csv");
    // A deep link, written by hand.
    await page.goto(`${gw.origin}/projects/default/models/tagged?tag=source%3D50%2541`);
    await expect.poll(rows).toEqual(["v3"]);
    expect(watch.problems).toEqual([]);
  });

  test("a project of more than 500 models: every one is reached by loading more (the list stopped at 500, saying nothing)", async () => {
    const { gw, page, watch } = await open();
    const caller = Caller.open();
    const names = Array.from({ length: 501 }, (_, i) => `m${String(i).padStart(3, "0")}`);
    for (const name of names) await gw.gateway.registry.createModel(caller, { name });
    await page.goto(`${gw.origin}/projects/default`);
    const rows = page.locator("table.data tbody tr");
    const more = page.getByRole("button", { name: "Load more models" });
    await expect.poll(() => rows.count()).toBe(50);
    // Load more while it is offered, each time waiting for the next page's rows.
    for (let shown = 50; (await more.count()) > 0;) {
      await more.click();
      shown = Math.min(shown + 50, names.length);
      await expect.poll(() => rows.count()).toBe(shown);
      await more
        .or(page.getByRole("link", { name: "m500", exact: true }))
        .first()
        .waitFor();
    }
    expect(await page.locator("table.data tbody th").allInnerTexts()).toEqual(names);
    expect(watch.problems).toEqual([]);
  }, 60_000);

  test("a version in the address written otherwise than in digits (1e0, 0x1) or past 2^31 - 1 is said not to be one, not shown as another or refused by the server", async () => {
    const { gw, page, watch } = await open();
    const caller = Caller.open();
    await gw.gateway.registry.createModel(caller, { name: "digits", metrics: [{ key: "accuracy", value: 0.5 }] });
    await gw.gateway.registry.createModel(caller, { name: "digits", metrics: [{ key: "accuracy", value: 0.6 }] });
    for (const written of ["1e0", "0x1", "01", "2147483648"]) {
      await page.goto(`${gw.origin}/projects/default/models/digits/versions/${written}`);
      await page.getByText(`“${written}” is not a version number.`).waitFor({ timeout: 10_000 });
      expect(await page.getByRole("heading", { name: "Metrics" }).count(), written).toBe(0);
      expect(await page.getByRole("alert").count(), written).toBe(0);
    }
    // Compare leaves out what is not a version: the two that are are compared.
    await page.goto(`${gw.origin}/projects/default/models/digits/compare?v=1,2147483648,0x2,2`);
    await page.getByRole("heading", { name: "Compare digits v1, v2" }).waitFor();
    await page.getByText("(+0.1)").waitFor();
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(watch.problems).toEqual([]);
  });
});

/** Spends the rate limit of this machine's address (the page's too, without a key) until a request is refused: its Retry-After. */
async function exhaustRateLimit(gw: TestGateway): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const res = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"query":"{ __typename }"}',
    });
    await res.arrayBuffer();
    if (res.status === 429) return Number(res.headers.get("retry-after"));
  }
  throw new Error("the rate limit never refused");
}

/** The gateway's request-log lines for /graphql (POSTs and WebSocket subscribes alike are requests to it). */
const graphqlRequests = (log: ReturnType<typeof captureLog>) =>
  log.parsed().filter((line) => line.msg === "request" && line.url === "/graphql") as { time: number; status: number; method: string }[];

describe.skipIf(!built)("the web app under the registry's rate limit", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("a 429's Retry-After is waited out: the page says it is being throttled, sends the gateway nothing meanwhile, then shows the data", async () => {
    const log = captureLog("info");
    // 12 a minute: a token every 5 s once spent.
    const gw = await startTestGateway({ config: { rateLimit: 12 }, logger: log.logger });
    const page = await browser.newPage();
    try {
      const watch = await watchPage(page, gw.origin);
      await gw.gateway.registry.createModel(Caller.open(), { name: "mnist" });
      const refusals: { at: number; retryAfter: number }[] = [];
      page.on("response", (response) => {
        if (response.url().endsWith("/graphql") && response.status() === 429)
          refusals.push({ at: Date.now(), retryAfter: Number(response.headers()["retry-after"]) });
      });
      expect(await exhaustRateLimit(gw)).toBeGreaterThan(0);
      const before = graphqlRequests(log).length;

      await page.goto(`${gw.origin}/`);
      const notice = page.getByRole("status").filter({ hasText: "The registry is limiting this app's requests (too many requests)" });
      await notice.waitFor({ timeout: 10_000 });
      expect(await page.getByRole("alert").count()).toBe(0);
      await page.getByRole("link", { name: "default" }).waitFor({ timeout: 40_000 });
      await expect.poll(() => notice.count()).toBe(0);
      expect(await page.getByRole("alert").count()).toBe(0);

      // What the gateway received from the page: refused requests, and none sent before the wait each named was over.
      const received = graphqlRequests(log).slice(before);
      const first = refusals[0]!;
      expect(first.retryAfter).toBeGreaterThanOrEqual(1);
      expect(received[0]!.status).toBe(429);
      const duringWait = received.filter(
        (r) => r.time > received[0]!.time + 500 && r.time < received[0]!.time + first.retryAfter * 1000 - 250,
      );
      expect(duringWait).toEqual([]);
      expect(received.at(-1)!.status).toBe(200);
      // Each refusal asked again once, after its wait: not a retry per animation frame.
      expect(received.length).toBeLessThanOrEqual(2 * refusals.length + 2);
      expect(watch.problems.filter((p) => !/status of 429/.test(p))).toEqual([]);
    } finally {
      await page.close();
      await gw.close();
    }
  }, 60_000);

  test("live events the rate limit refused resume by themselves once its Retry-After has passed, not sooner, and say so meanwhile", async () => {
    // 20 a minute: a token every 3 s once spent.
    const gw = await startTestGateway({ config: { rateLimit: 20 } });
    const page = await browser.newPage();
    try {
      const watch = await watchPage(page, gw.origin);
      const caller = Caller.open();
      await gw.gateway.registry.createModel(caller, { name: "mnist" });
      await exhaustRateLimit(gw);
      await page.goto(`${gw.origin}/projects/default/models/mnist`);
      const stopped = page.getByRole("alert").filter({ hasText: "Live updates stopped" });
      await stopped.waitFor({ timeout: 10_000 });
      const text = await stopped.textContent();
      expect(text).toContain("TOO_MANY_REQUESTS");
      const named = Number(/resume by themselves in (\d+) s/.exec(text ?? "")?.[1]);
      expect(named).toBeGreaterThanOrEqual(1);
      const saidAt = Date.now();
      // Nobody clicks "Resume live updates".
      await expect.poll(() => gw.gateway.openSubscriptions(), { timeout: 60_000 }).toBe(1);
      expect(Date.now() - saidAt).toBeGreaterThanOrEqual(named * 1000 - 1000);
      await page.getByRole("link", { name: "v1", exact: true }).waitFor({ timeout: 30_000 });
      await expect.poll(() => stopped.count(), { timeout: 10_000 }).toBe(0);
      await gw.gateway.registry.createModel(caller, { name: "mnist" });
      await page.getByText("Live: version 2 created.").waitFor({ timeout: 10_000 });
      expect(watch.problems.filter((p) => !/status of 429/.test(p))).toEqual([]);
    } finally {
      await page.close();
      await gw.close();
    }
  }, 90_000);
});

describe.skipIf(!built)("downloads from the web app with an API key", () => {
  test("a file, the lineage's environment file and the archive are saved through download tickets, streamed by the browser (a plain link would save the 401); a refusal is said in words", async () => {
    const admin = generateKey();
    const gw = await startTestGateway({ config: { adminKey: admin.token } });
    const browser = await launchChromium();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homer-web-download-"));
    try {
      const auth = { authorization: `Bearer ${admin.token}` };
      expect((await gw.gql(`mutation { createProject(name: "vision") { name } }`, {}, auth)).errors).toBeUndefined();
      const created = await gw.gql(
        `mutation { createApiKey(input: { name: "reader", grants: [{ project: "vision", role: READ }] }) { apiKey { id } secret } }`,
        {},
        auth,
      );
      const reader = { id: created.data.createApiKey.apiKey.id as string, secret: created.data.createApiKey.secret as string };
      fs.writeFileSync(path.join(dir, "model.bin"), "weights of cnn");
      fs.mkdirSync(path.join(dir, "env"));
      fs.writeFileSync(path.join(dir, "env", "requirements.txt"), "torch==2.5.0\n");
      const registry = await connection({ url: gw.url, apiKey: admin.token, project: "vision" }).getModelRegistry();
      await registry.createModel({ name: "cnn", modelPath: dir, lineage: { environment: "env/requirements.txt" } });

      const page = await browser.newPage();
      const watch = await watchPage(page, gw.origin);
      await page.goto(`${gw.origin}/sign-in`);
      await page.getByLabel("API key").fill(reader.secret);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("link", { name: "vision" }).waitFor();
      await page.goto(`${gw.origin}/projects/vision/models/cnn/versions/1`);
      await page.getByRole("heading", { name: "Files" }).waitFor();

      /** What clicking `link` saves: its suggested name, its bytes and the URL the browser read them from. */
      const save = async (link: ReturnType<Page["getByRole"]>) => {
        const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
        const saved = await download.path();
        return { name: download.suggestedFilename(), bytes: fs.readFileSync(saved), url: download.url() };
      };
      // Each from the registry's URL with a ticket, never from a blob: URL the page filled.
      const ticketed = (route: string) => new RegExp(`^${gw.origin}/${route}\\?ticket=[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$`);
      const files = page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: "sha256" }) });
      const file = await save(files.getByRole("link", { name: "model.bin" }));
      expect([file.name, file.bytes.toString()]).toEqual(["model.bin", "weights of cnn"]);
      expect(file.url).toMatch(ticketed("files/vision/cnn/1/model\\.bin"));
      const environment = await save(page.locator("dl.facts").getByRole("link", { name: "env/requirements.txt" }));
      expect([environment.name, environment.bytes.toString()]).toEqual(["requirements.txt", "torch==2.5.0\n"]);
      const archive = await save(page.getByRole("link", { name: "Download all files (tar)" }));
      expect(archive.name).toBe("cnn-1.tar");
      expect(archive.url).toMatch(ticketed("archives/vision/cnn/1"));
      // A tar: each entry's name at the start of its 512-byte header, the bytes after it.
      expect(archive.bytes.subarray(0, 100).toString().replace(/\0+$/, "")).toBe("env/requirements.txt");
      expect(archive.bytes.toString()).toContain("weights of cnn");
      expect(page.url()).not.toContain(reader.secret);

      // The key revoked meanwhile: the page says why nothing was saved, with the way to sign in again.
      expect((await gw.gql(`mutation { revokeApiKey(id: "${reader.id}") { id } }`, {}, auth)).errors).toBeUndefined();
      await files.getByRole("link", { name: "model.bin" }).click();
      await page
        .getByRole("alert")
        .getByText(/UNAUTHENTICATED/)
        .waitFor();
      await page.getByRole("link", { name: "Sign in with an API key" }).waitFor();
      expect(watch.problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
      expect(watch.foreign).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await browser.close();
      await gw.close();
    }
  });
});

describe.skipIf(!built)("the web app's cache and the registry's events", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("a family and a version's page shown again after the projects (where no event is listened to) show a version created and one deleted meanwhile", async () => {
    const gw = await startTestGateway();
    const page = await browser.newPage();
    try {
      const watch = await watchPage(page, gw.origin);
      const caller = Caller.open();
      await gw.gateway.registry.createModel(caller, { name: "mnist" });
      await page.goto(`${gw.origin}/projects/default/models/mnist`);
      await page.getByRole("link", { name: "v1", exact: true }).click();
      await page.getByRole("heading", { name: "Fetch it" }).waitFor();
      await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "Projects" }).click();
      await page.getByRole("link", { name: "default" }).waitFor();
      // The family's and the version's subscriptions ended with their pages: the changes below are told to no page.
      await expect.poll(() => gw.gateway.openSubscriptions()).toBe(0);
      await gw.gateway.registry.createModel(caller, { name: "mnist" });
      await gw.gateway.registry.deleteModel(caller, { name: "mnist", version: 1 });

      // The version's page, from the history: said to be gone, not shown from the cache.
      await page.goBack();
      await page.getByText("There is no version 1 of mnist.").waitFor({ timeout: 10_000 });
      expect(await page.getByRole("heading", { name: "Fetch it" }).count()).toBe(0);
      await page.goBack();
      await page.getByRole("link", { name: "v2", exact: true }).waitFor({ timeout: 10_000 });
      await expect.poll(() => page.getByRole("link", { name: "v1", exact: true }).count()).toBe(0);
      await page.goForward();
      await page.getByText("There is no version 1 of mnist.").waitFor({ timeout: 10_000 });
      expect(await page.getByRole("heading", { name: "Fetch it" }).count()).toBe(0);
      expect(watch.problems).toEqual([]);
    } finally {
      await page.close();
      await gw.close();
    }
  });

  test("an open version's page follows the version live: edited, given an alias, the alias removed, then deleted (said in words), without a reload", async () => {
    const gw = await startTestGateway();
    const page = await browser.newPage();
    try {
      const watch = await watchPage(page, gw.origin);
      const caller = Caller.open();
      await gw.gateway.registry.createModel(caller, { name: "mnist", description: "first words" });
      await gw.gateway.registry.createModel(caller, { name: "mnist" });
      await page.goto(`${gw.origin}/projects/default/models/mnist/versions/1`);
      await page.getByText("first words").waitFor();
      await expect.poll(() => gw.gateway.openSubscriptions()).toBe(1);
      // Whatever the page does from here is the events' doing: a reload would start a new document.
      await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

      const edited = await gw.gql(
        `mutation { updateModel(name: "mnist", version: 1, input: { description: "edited elsewhere" }) { revision } }`,
      );
      expect(edited.errors).toBeUndefined();
      await page.getByText("edited elsewhere").waitFor({ timeout: 10_000 });
      await page.getByText("Live: this version was edited.").waitFor();
      expect(await page.getByText("first words").count()).toBe(0);

      const aliases = page.getByRole("region", { name: "Aliases" });
      const set = await gw.gql(`mutation { setAlias(name: "mnist", alias: "champion", version: 1) { alias } }`);
      expect(set.errors).toBeUndefined();
      await aliases.getByRole("link", { name: "champion" }).waitFor({ timeout: 10_000 });
      // Moved to another version: no longer this one's.
      await gw.gql(`mutation { setAlias(name: "mnist", alias: "champion", version: 2) { alias } }`);
      await expect.poll(() => aliases.getByRole("link", { name: "champion" }).count(), { timeout: 10_000 }).toBe(0);

      const deleted = await gw.gql(`mutation { deleteModel(name: "mnist", version: 1) }`);
      expect(deleted.data).toEqual({ deleteModel: true });
      const gone = page.getByRole("status").filter({ hasText: "This version was deleted while its page was open." });
      await gone.waitFor({ timeout: 10_000 });
      expect(await gone.getByRole("link", { name: "See the versions of mnist" }).getAttribute("href")).toBe(
        "/projects/default/models/mnist",
      );
      expect(await page.getByRole("heading", { name: "Fetch it" }).count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      expect(watch.problems).toEqual([]);
    } finally {
      await page.close();
      await gw.close();
    }
  }, 60_000);

  test("after the gateway restarts, an open family page shows the version created before its events' connection came back", async () => {
    const first = await startTestGateway();
    let second: Gateway | undefined;
    const page = await browser.newPage();
    try {
      await first.gateway.registry.createModel(Caller.open(), { name: "mnist" });
      // The page's WebSockets pass through here: refused while `hold` is set, as by a gateway still down.
      let hold = false;
      await page.routeWebSocket(/\/graphql$/, (ws) => {
        if (hold) void ws.close({ code: 1013, reason: "held by the test" });
        else ws.connectToServer();
      });
      await page.goto(`${first.origin}/projects/default/models/mnist`);
      await page.getByRole("link", { name: "v1", exact: true }).waitFor();
      await expect.poll(() => first.gateway.openSubscriptions()).toBe(1);

      hold = true;
      await first.gateway.close();
      second = await restarted(first);
      // Created while the page is not connected: its event reaches no one.
      await second.registry.createModel(Caller.open(), { name: "mnist" });
      hold = false;
      await expect.poll(() => second!.openSubscriptions(), { timeout: 30_000 }).toBe(1);
      await page.getByRole("link", { name: "v2", exact: true }).waitFor({ timeout: 10_000 });
      // Live again: a version created now shows by its event.
      await second.registry.createModel(Caller.open(), { name: "mnist" });
      await page.getByText("Live: version 3 created.").waitFor({ timeout: 10_000 });
    } finally {
      await page.close();
      await second?.close();
      await first.close();
    }
  }, 60_000);

  test("live updates the server ends with an error are said to have stopped, with their reason, and resume on request with what they missed", async () => {
    // One subscription per gateway: a second page's is refused (TOO_MANY_REQUESTS), which graphql-ws does not retry.
    const gw = await startTestGateway({ config: { maxSubscriptions: 1 } });
    const first = await browser.newPage();
    const second = await browser.newPage();
    try {
      const caller = Caller.open();
      await gw.gateway.registry.createModel(caller, { name: "mnist" });
      await first.goto(`${gw.origin}/projects/default/models/mnist`);
      await first.getByRole("link", { name: "v1", exact: true }).waitFor();
      await expect.poll(() => gw.gateway.openSubscriptions()).toBe(1);
      for (const target of ["/projects/default/models/mnist", "/projects/default"]) {
        await second.goto(`${gw.origin}${target}`);
        const stopped = second.getByRole("alert").filter({ hasText: "Live updates stopped" });
        await stopped.waitFor({ timeout: 10_000 });
        expect(await stopped.textContent()).toContain("TOO_MANY_REQUESTS");
      }
      await first.close();
      await expect.poll(() => gw.gateway.openSubscriptions(), { timeout: 10_000 }).toBe(0);
      // Missed while stopped: shown once resumed.
      await gw.gateway.registry.createModel(caller, { name: "mnist" });
      await second.getByRole("button", { name: "Resume live updates" }).click();
      await expect.poll(() => gw.gateway.openSubscriptions(), { timeout: 10_000 }).toBe(1);
      await second.getByRole("link", { name: "mnist" }).waitFor();
      await second.goto(`${gw.origin}/projects/default/models/mnist`);
      await second.getByRole("link", { name: "v2", exact: true }).waitFor({ timeout: 10_000 });
      expect(await second.getByRole("alert").count()).toBe(0);
      await gw.gateway.registry.createModel(caller, { name: "mnist" });
      await second.getByText("Live: version 3 created.").waitFor({ timeout: 10_000 });
    } finally {
      await first.close();
      await second.close();
      await gw.close();
    }
  }, 60_000);

  test("resumed live updates take their 'stopped' notice down once they run again, before any event, on the page that resumed them", async () => {
    const gw = await startTestGateway({ config: { maxSubscriptions: 1 } });
    const first = await browser.newPage();
    const second = await browser.newPage();
    try {
      await gw.gateway.registry.createModel(Caller.open(), { name: "mnist" });
      await first.goto(`${gw.origin}/projects/default/models/mnist`);
      await first.getByRole("link", { name: "v1", exact: true }).waitFor();
      await expect.poll(() => gw.gateway.openSubscriptions()).toBe(1);
      await second.goto(`${gw.origin}/projects/default`);
      const stopped = second.getByRole("alert").filter({ hasText: "Live updates stopped" });
      await stopped.waitFor({ timeout: 10_000 });
      await first.close();
      await expect.poll(() => gw.gateway.openSubscriptions(), { timeout: 10_000 }).toBe(0);
      await second.getByRole("button", { name: "Resume live updates" }).click();
      await expect.poll(() => gw.gateway.openSubscriptions(), { timeout: 10_000 }).toBe(1);
      // Live again, and no event since: the notice said they had stopped until the next event came.
      await stopped.waitFor({ state: "detached", timeout: 10_000 });
    } finally {
      await first.close();
      await second.close();
      await gw.close();
    }
  }, 60_000);

  test("live events come back after the gateway was down for longer than graphql-ws's five tries (about 40 s)", async () => {
    const first = await startTestGateway();
    let second: Gateway | undefined;
    const page = await browser.newPage();
    try {
      await first.gateway.registry.createModel(Caller.open(), { name: "mnist" });
      // The page's WebSockets pass through here; while `down`, each try is refused and counted.
      let down = false;
      let refused = 0;
      await page.routeWebSocket(/\/graphql$/, (ws) => {
        if (!down) return void ws.connectToServer();
        refused++;
        void ws.close({ code: 1013, reason: "down, as held by the test" });
      });
      await page.goto(`${first.origin}/projects/default/models/mnist`);
      await page.getByRole("link", { name: "v1", exact: true }).waitFor();
      await expect.poll(() => first.gateway.openSubscriptions()).toBe(1);

      down = true;
      await first.gateway.close();
      // A sixth try is one graphql-ws alone never makes.
      await expect.poll(() => refused, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(6);
      second = await restarted(first);
      down = false;
      await expect.poll(() => second!.openSubscriptions(), { timeout: 15_000 }).toBe(1);
      await second.registry.createModel(Caller.open(), { name: "mnist" });
      await page.getByText("Live: version 2 created.").waitFor({ timeout: 10_000 });
    } finally {
      await page.close();
      await second?.close();
      await first.close();
    }
  }, 120_000);
});
