import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection } from "@homer/sdk";
import type { AddressInfo } from "node:net";
import express from "express";
import { Caller } from "../gateway/src/access/caller.js";
import { generateKey } from "../gateway/src/access/api-key.js";
import { webAppRoutes } from "../gateway/src/http/web-app.js";
import { launchChromium, watchPage, type PageWatch } from "./support/browser.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SHOTS = path.join(ROOT, "test-results", "web");
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** A card that tries raw HTML, a script URL and an inline handler: none may survive rendering. */
const HOSTILE_CARD = [
  "# MNIST classifier",
  "",
  "Trained on **60k** digits. [Paper](https://example.org/paper) [bad](javascript:alert(1))",
  "",
  '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">',
].join("\n");

/** axe-core's serious and critical violations on the page as it is now (rule id and first target). */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof globalThis.axe !== 'undefined'"))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }>(
    "axe.run(document, { resultTypes: ['violations'] })",
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${JSON.stringify(v.nodes[0]?.target)}`);
}

/** The app's first page needs a build; `npm run build` makes one (test runs start with it via pretest). */
const built = fs.existsSync(path.join(ROOT, "web", "dist", "index.html"));

describe.skipIf(!built)("the web app in a real Chromium", () => {
  let browser: Browser;
  let gw: TestGateway;
  let page: Page;
  let watch: PageWatch;
  let modelDir: string;

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const axeClean = async () => expect(await seriousViolations(page)).toEqual([]);
  /** Records the operation names of the page's GraphQL POSTs until the returned function is called. */
  const recordOperations = () => {
    const asked: string[] = [];
    const onRequest = (request: import("playwright-core").Request) => {
      if (request.method() !== "POST" || !request.url().endsWith("/graphql")) return;
      asked.push((JSON.parse(request.postData() ?? "{}") as { operationName?: string }).operationName ?? "(unnamed)");
    };
    page.on("request", onRequest);
    return () => {
      page.off("request", onRequest);
      return asked;
    };
  };
  /** Long enough for the registry's event about the page's own change to reach it (the store wakes its hub at once). */
  const eventArrives = () => new Promise((resolve) => setTimeout(resolve, 500));

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    modelDir = fs.mkdtempSync(path.join(os.tmpdir(), "homer-web-ui-"));
    fs.writeFileSync(path.join(modelDir, "model.bin"), "weights from a script");
    gw = await startTestGateway();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    watch = await watchPage(page, gw.origin);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  test("the gateway serves the build: hashed assets cached for good, pages revalidated, deep links fall back, API paths never", async () => {
    const index = await fetch(`${gw.origin}/`, { headers: { accept: "text/html" } });
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    const html = await index.text();
    expect(html).not.toMatch(/<script>|<style|style=/);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${gw.origin}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toMatch(/max-age=31536000.*immutable/);

    const deep = await fetch(`${gw.origin}/projects/x/models/y`, { headers: { accept: "text/html" } });
    expect([deep.status, await deep.text()]).toEqual([200, html]);
    // Express routes paths in any case: so must the app leave them.
    for (const api of ["/graphql", "/GraphQL", "/files/x", "/Files/x", "/archives/x", "/healthz", "/HEALTHZ", "/metrics", "/ide/nothing"]) {
      const res = await fetch(`${gw.origin}${api}`, { headers: { accept: "text/html" }, redirect: "manual" });
      expect(await res.text(), api).not.toBe(html);
    }
    expect((await fetch(`${gw.origin}/assets/gone-123.js`)).status).toBe(404);
    // An API client asking for / still gets JSON, as before.
    expect((await fetch(`${gw.origin}/`, { headers: { accept: "application/json" } })).status).toBe(404);
  });

  test("a fresh registry: the default project, with no model yet, offers the first upload", async () => {
    await page.goto(`${gw.origin}/`);
    await page.getByRole("link", { name: "default" }).click();
    await page.getByText("This project holds no model yet.").waitFor();
    await shot("01-families-empty");
    await axeClean();
  });

  test("upload through the UI: files, metrics, a description, then the version's page with its card rendered safely", async () => {
    for (const [accuracy, loss, weights] of [
      ["0.91", "0.30", "weights-one"],
      ["0.95", "0.20", "weights-two"],
    ] as const) {
      await page.goto(`${gw.origin}/projects/default/upload?name=mnist`);
      await page.getByLabel("Description").fill(`CNN with accuracy ${accuracy}`);
      await page.getByLabel("Name", { exact: true }).fill("accuracy");
      await page.getByLabel("Value", { exact: true }).fill(accuracy);
      await page.getByRole("button", { name: "Add a metric" }).click();
      await page.getByLabel("Name", { exact: true }).nth(1).fill("loss");
      await page.getByLabel("Value", { exact: true }).nth(1).fill(loss);
      await page.getByLabel("Files", { exact: true }).setInputFiles([
        { name: "model.bin", mimeType: "application/octet-stream", buffer: Buffer.from(weights) },
        { name: "README.md", mimeType: "text/markdown", buffer: Buffer.from(HOSTILE_CARD) },
      ]);
      await page.getByText("2 files").waitFor();
      if (accuracy === "0.91") {
        await shot("02-upload-form");
        await axeClean();
      }
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      await page.waitForURL(/\/projects\/default\/models\/mnist\/versions\/\d+$/);
      await page.getByRole("heading", { name: "Model card" }).waitFor();
    }
    expect(page.url()).toMatch(/versions\/2$/);
    await page.getByRole("heading", { name: "MNIST classifier" }).waitFor();
    const card = page.locator(".markdown");
    expect(await card.locator("script, img, [onerror]").count()).toBe(0);
    expect(await card.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await card.innerText()).toMatch(/<script>/);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    expect(await page.getByRole("link", { name: "model.bin" }).getAttribute("href")).toMatch(/^http.*\/files\//);
    await page.getByText("homer --url").waitFor();
    await shot("03-version");
    await axeClean();
  });

  test("upload: a dropped file is taken, and mistakes are said in words before and after sending", async () => {
    await page.goto(`${gw.origin}/projects/default/upload?name=mnist`);
    // A drop as the browser delivers one (files in a DataTransfer).
    await page.locator(".dropzone").evaluate((zone) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["dropped weights"], "dropped.bin"));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await page.getByText("1 file, 15 B: dropped.bin").waitFor();
    await page.getByLabel("Name", { exact: true }).fill("accuracy");
    await page.getByLabel("Value", { exact: true }).fill("high");
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByRole("alert").getByText("The metric “accuracy” needs a number, not “high”.").waitFor();
    // A refusal from the registry (a metric name it does not take), in words with its code; nothing is kept.
    await page.getByLabel("Name", { exact: true }).fill("top 1");
    await page.getByLabel("Value", { exact: true }).fill("0.5");
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page
      .getByRole("alert")
      .getByText(/BAD_USER_INPUT/)
      .waitFor({ timeout: 10_000 });
    expect(await page.getByRole("alert").innerText()).toMatch(/top 1/);
    expect(await gw.gateway.registry.getModel(Caller.open(), { name: "mnist", version: 3 })).toBeNull();
    await shot("02b-upload-error");
    await axeClean();
  });

  test("a family: sort by a metric, see the chart and its table", async () => {
    await page.goto(`${gw.origin}/projects/default`);
    await page.getByRole("link", { name: "mnist", exact: true }).click();
    await page.waitForURL(/\/models\/mnist$/);
    await page.locator(".chart canvas").waitFor();
    await page.getByRole("button", { name: "loss" }).click();
    await page.waitForURL(/sort=loss/);
    const firstRow = () => page.locator("table.data").last().locator("tbody tr").first().locator("th").innerText();
    await expect.poll(firstRow).toBe("v1");
    await page.getByRole("button", { name: "loss" }).click();
    await page.waitForURL(/dir=asc/);
    await expect.poll(firstRow).toBe("v2");
    expect(await page.getByText("best accuracy: v2 (circled)").count()).toBe(1);
    await page.getByText("The chart's data as a table").click();
    await page.getByRole("cell", { name: "0.95 (best)" }).waitFor();
    await shot("04-family");
    await axeClean();
    // The same view after a reload (deep link with its sort).
    await page.reload();
    await expect.poll(firstRow).toBe("v2");
  });

  test("compare two versions: metric deltas and files by sha256", async () => {
    await page.getByLabel("Select version 1 to compare").check();
    await page.getByLabel("Select version 2 to compare").check();
    await page.getByRole("link", { name: "Compare 2 versions" }).click();
    await page.waitForURL(/compare\?v=1,2$/);
    await page.getByText("(+0.04)").waitFor();
    expect(await page.getByRole("row", { name: /model\.bin/ }).innerText()).toMatch(/changed/);
    expect(await page.getByRole("row", { name: /README\.md/ }).innerText()).toMatch(/same/);
    await shot("05-compare");
    await axeClean();
    await page.goBack();
    await page.waitForURL(/\/models\/mnist\?/);
  });

  test("a version created by the SDK elsewhere appears live in the open family page", async () => {
    // Earlier pages' subscriptions end first: then the one counted is this page's.
    await page.goto("about:blank");
    await expect.poll(() => gw.gateway.openSubscriptions()).toBe(0);
    await page.goto(`${gw.origin}/projects/default/models/mnist`);
    await page.locator(".chart canvas").waitFor();
    await expect.poll(() => gw.gateway.openSubscriptions()).toBe(1);
    const registry = await connection({ url: gw.url }).getModelRegistry();
    await registry.createModel({ name: "mnist", modelPath: modelDir, metrics: { accuracy: 0.97, loss: 0.1 } });
    await page.getByRole("link", { name: "v3", exact: true }).waitFor({ timeout: 10_000 });
    await page.getByText("Live: version 3 created.").waitFor();
    expect(await page.getByText("best accuracy: v3 (circled)").count()).toBe(1);
    await shot("06-family-live");
    // The README's picture (docs/family-page.png is a copy): the first screen of the page.
    await page.screenshot({ path: path.join(SHOTS, "family-page.png") });
  });

  test("delete with a typed confirmation", async () => {
    await page.getByRole("link", { name: "v3", exact: true }).click();
    await page.getByRole("button", { name: "Delete this version…" }).click();
    const confirm = page.getByRole("button", { name: "Delete mnist@3" });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByLabel(/Type mnist@3 to confirm/).fill("mnist@3");
    await shot("07-delete-confirm");
    await axeClean();
    await confirm.click();
    await page.waitForURL(/\/models\/mnist$/);
    await page.getByRole("link", { name: "v2", exact: true }).waitFor();
    expect(await page.getByRole("link", { name: "v3", exact: true }).count()).toBe(0);
    expect(await gw.gateway.registry.getModel(Caller.open(), { name: "mnist", version: 3 })).toBeNull();
  });

  test("families: search and sort, and the project list", async () => {
    await connection({ url: gw.url })
      .getModelRegistry()
      .then((r) => r.createModel({ name: "resnet", modelPath: modelDir, metrics: { accuracy: 0.5 } }));
    await page.goto(`${gw.origin}/projects/default?metric=accuracy`);
    await page.getByRole("link", { name: "resnet", exact: true }).waitFor();
    await page.getByLabel("Sort by").selectOption("best");
    const names = () => page.locator("tbody th").allInnerTexts();
    await expect.poll(names).toEqual(["mnist", "resnet"]);
    await page.getByLabel("Search").fill("net");
    await page.getByLabel("Match").selectOption("substring");
    await expect.poll(names).toEqual(["resnet"]);
    await shot("08-families");
    await axeClean();
    await page.goto(`${gw.origin}/`);
    await page.getByRole("link", { name: "default" }).waitFor();
    await axeClean();
    await page.goto(`${gw.origin}/sign-in`);
    await axeClean();
    // The dark theme follows the OS, and passes the same checks.
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${gw.origin}/projects/default/models/mnist`);
    await page.locator(".chart canvas").waitFor();
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(24, 24, 27)");
    await shot("09-family-dark");
    await axeClean();
    await page.emulateMedia({ colorScheme: "light" });
  });

  test("keyboard only: projects → family → version, and back", async () => {
    await page.goto(`${gw.origin}/`);
    await page.getByRole("link", { name: "default" }).waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? "");
    const tabTo = async (text: string) => {
      for (let i = 0; i < 40 && (await focused()) !== text; i++) await page.keyboard.press("Tab");
      expect(await focused()).toBe(text);
    };
    await tabTo("Skip to content");
    await tabTo("default");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/projects\/default$/);
    await tabTo("mnist");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/models\/mnist$/);
    await tabTo("accuracy");
    await page.keyboard.press("Enter");
    await page.waitForURL(/sort=accuracy/);
    await tabTo("v2");
    await page.keyboard.press("Enter");
    await page.waitForURL(/versions\/2$/);
    // The browser's back (its Alt+Left has no page to reach in a headless browser).
    await page.goBack();
    await page.waitForURL(/sort=accuracy/);
    await page.getByRole("link", { name: "v2", exact: true }).waitFor();
  });

  test("aliases: badges in the family table, set and moved on a version's page (both rows follow), the rule in words, a deep link, removed", async () => {
    const versionRow = (version: number) => page.locator("tbody tr", { has: page.getByRole("link", { name: `v${version}`, exact: true }) });
    const aliasesOf = async () =>
      (await gw.gateway.registry.listAliases(Caller.open(), { name: "mnist" })).map((a) => `${a.alias}→v${a.version}`);
    await page.goto(`${gw.origin}/projects/default/models/mnist/versions/1`);
    await page.getByText("No alias points at this version.").waitFor();
    const input = page.getByLabel("Point an alias at v1");
    // The server's rule, checked before sending: nothing reaches the registry.
    for (const [typed, said] of [
      ["Champion", "is not an alias name"],
      ["latest", "is reserved"],
      ["best_model", "is reserved"],
      ["", "Give the alias a name."],
    ] as const) {
      await input.fill(typed);
      await page.getByRole("button", { name: "Set alias" }).click();
      await page.getByRole("alert").getByText(said).waitFor();
    }
    expect(await aliasesOf()).toEqual([]);
    await input.fill("champion");
    await page.getByRole("button", { name: "Set alias" }).click();
    await page.getByText("champion now points at v1.").waitFor();
    await page.getByRole("link", { name: "champion", exact: true }).waitFor();
    expect(await aliasesOf()).toEqual(["champion→v1"]);

    // The family table, reached inside the app (the cache, not a reload), shows it on v1.
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "mnist" }).click();
    await expect.poll(() => versionRow(1).innerText()).toMatch(/champion/);
    expect(await versionRow(2).innerText()).not.toMatch(/champion/);

    // Moved from v2's page: the hint says it moves; then both rows follow.
    await page.getByRole("link", { name: "v2", exact: true }).click();
    await page.getByLabel("Point an alias at v2").fill("champion");
    await page.getByText("champion points at v1 now: setting it here moves it.").waitFor();
    await page.getByRole("button", { name: "Set alias" }).click();
    await page.getByText("champion now points at v2.").waitFor();
    // A new alias joins the cached list from the mutation's answer: neither it nor its event asks for the list again.
    // Its event may reach the page before the mutation's answer (a busy machine): here the answer is held back so that it does.
    const holdAnswer = async (route: import("playwright-core").Route) => {
      if (!/"operationName":"SetAlias"/.test(route.request().postData() ?? "")) return route.continue();
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.fulfill({ response });
    };
    await page.route("**/graphql", holdAnswer);
    const settingStaging = recordOperations();
    await page.getByLabel("Point an alias at v2").fill("staging");
    await page.getByRole("button", { name: "Set alias" }).click();
    await page.getByText("staging now points at v2.").waitFor();
    await eventArrives();
    await page.unroute("**/graphql", holdAnswer);
    expect(settingStaging()).toEqual(["SetAlias"]);
    expect(await aliasesOf()).toEqual(["champion→v2", "staging→v2"]);
    await shot("12-version-aliases");
    await axeClean();
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "mnist" }).click();
    await expect.poll(() => versionRow(2).innerText()).toMatch(/champion\s*staging/);
    await expect.poll(() => versionRow(1).innerText()).not.toMatch(/champion/);
    await shot("13-family-aliases");
    await axeClean();

    // A deep link by alias shows the version it points at now, and keeps its address.
    await page.goto(`${gw.origin}/projects/default/models/mnist/aliases/champion`);
    await page.getByRole("heading", { name: "mnist v2" }).waitFor();
    await page.getByText("Reached through the alias").waitFor();
    expect(page.url()).toMatch(/\/aliases\/champion$/);
    await page.goto(`${gw.origin}/projects/default/models/mnist/aliases/nobody`);
    await page.getByText("No alias nobody points at a version of mnist.").waitFor();

    // Removed from the version's page, by keyboard: the table no longer shows it.
    await page.goto(`${gw.origin}/projects/default/models/mnist/versions/2`);
    await page.getByRole("button", { name: "Remove alias staging" }).focus();
    const removingStaging = recordOperations();
    await page.keyboard.press("Enter");
    await page.getByText("staging was removed.").waitFor();
    await eventArrives();
    expect(removingStaging()).toEqual(["RemoveAlias"]);
    expect(await aliasesOf()).toEqual(["champion→v2"]);
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "mnist" }).click();
    // The table may first show its rows before their aliases arrive: wait for the final state.
    await expect
      .poll(async () => {
        const row = await versionRow(2).innerText();
        return { champion: /champion/.test(row), staging: /staging/.test(row) };
      })
      .toEqual({ champion: true, staging: false });

    // An alias set elsewhere (another client) shows up live in the open family page.
    const set = await gw.gql(`mutation { setAlias(name: "mnist", alias: "candidate", version: 1) { alias } }`);
    expect(set.errors).toBeUndefined();
    await expect.poll(() => versionRow(1).innerText(), { timeout: 10_000 }).toMatch(/candidate/);

    // Removed elsewhere: the event alone takes the badge off. No list is asked again, so
    // the other badges never blink off while an answer is awaited.
    const removingCandidate = recordOperations();
    await page.evaluate(() => {
      const seen: boolean[] = [];
      (window as unknown as { championSeen: boolean[] }).championSeen = seen;
      const rowOfV2 = () =>
        Array.from(document.querySelectorAll("tbody tr")).find((tr) =>
          Array.from(tr.querySelectorAll("a")).some((a) => a.textContent?.trim() === "v2"),
        );
      new MutationObserver(() => seen.push(/champion/.test(rowOfV2()?.textContent ?? ""))).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    const removed = await gw.gql(`mutation { removeAlias(name: "mnist", alias: "candidate") }`);
    expect(removed.errors).toBeUndefined();
    await expect.poll(() => versionRow(1).innerText(), { timeout: 10_000 }).not.toMatch(/candidate/);
    expect(removingCandidate()).toEqual([]);
    const seen = await page.evaluate(() => (window as unknown as { championSeen: boolean[] }).championSeen);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every(Boolean)).toBe(true);
    expect(await versionRow(2).innerText()).toMatch(/champion/);
  });

  test("lineage: the version page shows data, run, program, environment and linked parents; the parent lists what derives from it; compare shows both side by side", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homer-web-lineage-"));
    fs.writeFileSync(path.join(dir, "model.bin"), "distilled weights");
    fs.writeFileSync(path.join(dir, "requirements.txt"), "torch==2.5.0\n");
    const registry = await connection({ url: gw.url }).getModelRegistry();
    await registry.createModel({
      name: "distilled",
      modelPath: dir,
      lineage: {
        trainingDataset: { name: "mnist-train", version: "2026-01", uri: "s3://data/mnist/train", digest: `sha256:${"ab".repeat(32)}` },
        run: { id: "run-42", uri: "https://mlflow.example/runs/42" },
        program: { repository: "https://git.example/vision.git", gitCommit: "0123456789abcdef", entryPoint: "train.py:main" },
        environment: "requirements.txt",
        parents: ["mnist@2"],
      },
    });
    await registry.createModel({
      name: "distilled",
      modelPath: dir,
      lineage: { run: { id: "run-43" }, parents: ["mnist@1", "distilled@1"] },
    });
    fs.rmSync(dir, { recursive: true, force: true });

    await page.goto(`${gw.origin}/projects/default/models/distilled/versions/1`);
    await page.getByRole("heading", { name: "Lineage" }).waitFor();
    const facts = page.locator("dl.facts").last();
    for (const text of ["mnist-train (version 2026-01)", "s3://data/mnist/train", "run-42", "train.py:main", "0123456789ab"])
      expect(await facts.innerText()).toContain(text);
    expect(await page.getByRole("link", { name: "https://mlflow.example/runs/42" }).getAttribute("href")).toBe(
      "https://mlflow.example/runs/42",
    );
    expect(await page.getByRole("link", { name: "requirements.txt" }).first().getAttribute("href")).toMatch(
      /\/files\/.*requirements\.txt$/,
    );
    await page.getByRole("link", { name: "distilled v2", exact: true }).waitFor();
    await shot("14-version-lineage");
    await axeClean();
    // A parent is a link to its page, which lists the versions derived from it.
    await page.getByRole("link", { name: "mnist v2", exact: true }).click();
    await page.waitForURL(/\/models\/mnist\/versions\/2$/);
    await page.getByRole("heading", { name: "Versions derived from this one" }).waitFor();
    await page.getByRole("link", { name: "distilled v1", exact: true }).waitFor();
    expect(await page.getByRole("link", { name: "distilled v2", exact: true }).count()).toBe(0);

    await page.goto(`${gw.origin}/projects/default/models/distilled/compare?v=1,2`);
    const lineageTable = page.getByRole("table", { name: "Lineage of each version" });
    await lineageTable.waitFor();
    expect(await lineageTable.getByRole("row", { name: /^Run/ }).innerText()).toMatch(/run-42.*\s+run-43/s);
    const parents = lineageTable.getByRole("row", { name: /^Parents/ });
    expect(await parents.getByRole("link").allInnerTexts()).toEqual(["mnist v2", "mnist v1", "distilled v1"]);
    await shot("15-compare-lineage");
    await axeClean();
  });

  test("filters: metric thresholds, tags and framework in the URL (back button, deep links); table and chart show only the matches; bad input said in words", async () => {
    const caller = Caller.open();
    for (let version = 1; version <= 6; version++) {
      await gw.gateway.registry.createModel(caller, {
        name: "tuned",
        version,
        metrics: [
          { key: "accuracy", value: 0.7 + version * 0.04 },
          { key: "loss", value: 1 - version * 0.1 },
        ],
        tags: { team: version % 2 === 0 ? "vision" : "speech" },
        framework: version <= 3 ? "SKLEARN" : "PYTORCH",
      });
    }
    const rows = () => page.locator("table.data").last().locator("tbody th").allInnerTexts();
    await page.goto(`${gw.origin}/projects/default/models/tuned`);
    await expect.poll(rows).toEqual(["v6", "v5", "v4", "v3", "v2", "v1"]);
    await page.getByText("Filter versions").click();
    await page.getByLabel("Metric", { exact: true }).fill("accuracy");
    await page.getByLabel("Operator").selectOption("gte");
    await page.getByLabel("Threshold").fill("0.8");
    await page.getByRole("button", { name: "Apply the filter" }).click();
    await page.waitForURL(/where=accuracy%3E%3D0\.8/);
    await expect.poll(rows).toEqual(["v6", "v5", "v4", "v3"]);
    await page.getByText("All 4 matching versions (of 6).").waitFor();
    await page.getByRole("heading", { name: "Versions (4 of 6 match)" }).waitFor();

    await page.getByLabel("Tag", { exact: true }).fill("team");
    await page.getByLabel("Tag value").fill("vision");
    await page.getByLabel("Framework").selectOption("PYTORCH");
    await page.getByRole("button", { name: "Apply the filter" }).click();
    await page.waitForURL(/framework=PYTORCH/);
    await expect.poll(rows).toEqual(["v6", "v4"]);
    // The chart's data is the filtered versions too.
    await page.getByText("The chart's data as a table").click();
    await expect.poll(() => page.locator("details table tbody th").allInnerTexts()).toEqual(["v4", "v6"]);
    await shot("16-family-filtered");
    await axeClean();

    // The back button is the previous filter, the form too.
    await page.goBack();
    await expect.poll(rows).toEqual(["v6", "v5", "v4", "v3"]);
    expect(await page.getByLabel("Tag value").inputValue()).toBe("");
    expect(await page.getByLabel("Threshold").inputValue()).toBe("0.8");

    // A number that is not one is said in words, and nothing changes.
    const before = page.url();
    const asked: string[] = [];
    const onRequest = (request: { url(): string }) => void asked.push(request.url());
    page.on("request", onRequest);
    await page.getByLabel("Threshold").fill("0.8x");
    await page.getByRole("button", { name: "Apply the filter" }).click();
    await page.getByRole("alert").getByText("“0.8x” is not a number").waitFor();
    page.off("request", onRequest);
    expect(asked).toEqual([]);
    expect(page.url()).toBe(before);
    expect(await rows()).toEqual(["v6", "v5", "v4", "v3"]);

    // The server's BAD_USER_INPUT (a metric name outside its rule), in words.
    await page.getByLabel("Threshold").fill("0.8");
    await page.getByLabel("Metric", { exact: true }).fill("top 1");
    await page.getByRole("button", { name: "Apply the filter" }).click();
    await page
      .getByRole("alert")
      .getByText(/BAD_USER_INPUT.*top 1/)
      .waitFor();
    await axeClean();

    // Deep links: two conditions on one key make a range; none matching is said; a bad number is not sent.
    await page.goto(`${gw.origin}/projects/default/models/tuned?where=loss%3C0.55&where=loss%3E%3D0.3&tag=team%3Dspeech`);
    await expect.poll(rows).toEqual(["v5"]);
    await page.goto(`${gw.origin}/projects/default/models/tuned?where=accuracy%3E2`);
    await page.getByText("No version matches this filter.").waitFor();
    await page.goto(`${gw.origin}/projects/default/models/tuned?where=accuracy%3E%3Dabc`);
    await page.getByRole("alert").getByText("“abc” is not a number").waitFor();
    expect(await page.locator("table.data").count()).toBe(0);
    // Clearing it shows every version again.
    await page.getByRole("button", { name: "Clear the filter" }).click();
    await expect.poll(rows).toEqual(["v6", "v5", "v4", "v3", "v2", "v1"]);
    expect(page.url()).toMatch(/\/models\/tuned$/);

    // The filter form in the dark theme.
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${gw.origin}/projects/default/models/tuned?where=accuracy%3E%3D0.8&framework=PYTORCH`);
    await expect.poll(rows).toEqual(["v6", "v5", "v4"]);
    await shot("17-family-filtered-dark");
    await axeClean();
    await page.goto(`${gw.origin}/projects/default/models/mnist/versions/2`);
    await page.getByRole("link", { name: "champion", exact: true }).waitFor();
    await axeClean();
    await page.emulateMedia({ colorScheme: "light" });
  });

  test("keyboard only: a filter applied and an alias set without the mouse", async () => {
    await page.goto(`${gw.origin}/projects/default/models/tuned`);
    await page.getByRole("link", { name: "v6", exact: true }).waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? "");
    const focusedLabel = () => page.evaluate(() => document.activeElement?.closest("label")?.firstChild?.textContent ?? "");
    const tabTo = async (read: () => Promise<string>, text: string) => {
      for (let i = 0; i < 40 && (await read()) !== text; i++) await page.keyboard.press("Tab");
      expect(await read()).toBe(text);
    };
    await tabTo(focused, "Filter versions");
    await page.keyboard.press("Enter");
    await tabTo(focusedLabel, "Metric");
    await page.keyboard.type("loss");
    await tabTo(focusedLabel, "Operator");
    await page.keyboard.press("ArrowUp"); // from ≥ at least to > more than
    await tabTo(focusedLabel, "Threshold");
    await page.keyboard.type("0.45");
    await page.keyboard.press("Enter");
    await page.waitForURL(/where=loss%3E0\.45/);
    await expect.poll(() => page.locator("table.data").last().locator("tbody th").allInnerTexts()).toEqual(["v5", "v4", "v3", "v2", "v1"]);

    await tabTo(focused, "v5");
    await page.keyboard.press("Enter");
    await page.waitForURL(/versions\/5$/);
    await page.getByLabel("Point an alias at v5").waitFor();
    await tabTo(() => page.evaluate(() => document.activeElement?.id ?? ""), "alias-name");
    await page.keyboard.type("keyboard");
    await page.keyboard.press("Enter");
    await page.getByText("keyboard now points at v5.").waitFor();
  });

  test("upload: a folder dropped from the desktop is taken whole, with its subfolders", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "homer-web-drop-"));
    const folder = path.join(root, "my-model");
    fs.mkdirSync(path.join(folder, "config"), { recursive: true });
    fs.writeFileSync(path.join(folder, "model.bin"), "folder weights");
    fs.writeFileSync(path.join(folder, "config", "params.json"), '{"layers":3}');
    await page.goto(`${gw.origin}/projects/default/upload?name=dropped`);
    const zone = (await page.locator(".dropzone").boundingBox())!;
    // A drop as the OS delivers it (a path on disk), through Chromium's own drag and drop:
    // the page reads it through DataTransfer entries (webkitGetAsEntry, directory readers).
    const cdp = await page.context().newCDPSession(page);
    const data = { items: [], files: [folder], dragOperationsMask: 1 };
    for (const type of ["dragEnter", "dragOver", "drop"] as const)
      await cdp.send("Input.dispatchDragEvent", { type, x: zone.x + zone.width / 2, y: zone.y + zone.height / 2, data });
    await page.getByText("2 files, 26 B: config/params.json, model.bin").waitFor();
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.waitForURL(/\/models\/dropped\/versions\/1$/);
    await page.getByRole("link", { name: "config/params.json" }).waitFor();
    const model = await gw.gateway.registry.getModel(Caller.open(), { name: "dropped", version: 1 });
    expect(model?.files?.map((f) => [f.path, f.sizeBytes])).toEqual([
      ["config/params.json", 12],
      ["model.bin", 14],
    ]);
    await cdp.detach();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("upload: cancel during a slow upload stops it; the page says so and the registry kept nothing", async () => {
    await page.goto(`${gw.origin}/projects/default/upload?name=cancelled`);
    await page
      .getByLabel("Files", { exact: true })
      .setInputFiles([{ name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(4 * 1024 * 1024, 7) }]);
    await page.getByText("1 file, 4.2 MB").waitFor();
    // 256 kB/s up: the 4 MB file takes about 16 s, so the cancel lands mid-body.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    try {
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      const progress = page.getByLabel("Uploading");
      await expect.poll(async () => Number(await progress.getAttribute("value")), { timeout: 10_000 }).toBeGreaterThan(0);
      const sent = Number(await progress.getAttribute("value"));
      expect(sent).toBeLessThan(4 * 1024 * 1024);
      await shot("18-upload-progress");
      await page.getByRole("button", { name: "Cancel" }).click();
      await page.getByRole("status").getByText("The upload was cancelled: nothing was registered.").waitFor();
      expect(await page.getByLabel("Uploading").count()).toBe(0);
      expect(await page.getByRole("button", { name: "Upload", exact: true }).isEnabled()).toBe(true);
    } finally {
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
    expect(await gw.gateway.registry.getModel(Caller.open(), { name: "cancelled", version: 1 })).toBeNull();
    const families = await gw.gql(`{ modelFamilies(search: "cancelled") { nodes { name } } }`);
    expect(families.data.modelFamilies.nodes).toEqual([]);
  });

  test("hostile filter links (NUL, control characters, markup, too many conditions, a huge tag, no operator) are said in words", async () => {
    const family = (query: string) => page.goto(`${gw.origin}/projects/default/models/tuned?${query}`);
    const said = async (text: string | RegExp) => {
      await page.getByRole("alert").getByText(text).first().waitFor();
      // The page stands: its heading, and no version listed that the filter did not choose.
      await page.getByRole("heading", { level: 1, name: "tuned" }).waitFor();
      expect(await page.locator("table.data tbody tr").count()).toBe(0);
    };
    // Checked in the browser: no listing with a filter is asked.
    const asked: string[] = [];
    const onRequest = (request: { postData(): string | null }) => {
      const body = request.postData() ?? "";
      if (body.includes('"filter":')) asked.push(body);
    };
    page.on("request", onRequest);
    await family("framework=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E");
    await said("is not a framework");
    expect(await page.locator("img[src=x]").count()).toBe(0);
    await family("where=accuracy~1");
    await said("“accuracy~1” needs a number");
    page.off("request", onRequest);
    expect(asked).toEqual([]);
    // Checked by the server: its BAD_USER_INPUT, in words.
    await family("where=acc%00uracy%3E1");
    await said(/BAD_USER_INPUT/);
    await family("where=%E2%80%AEaccuracy%3E1");
    await said(/BAD_USER_INPUT/);
    await family(Array.from({ length: 17 }, (_, i) => `where=m${i}%3E1`).join("&"));
    await said(/BAD_USER_INPUT/);
    await family(`tag=team%3D${"x".repeat(4_000)}`);
    await said(/BAD_USER_INPUT/);
  });

  test("a hostile address or tag name (__proto__, constructor) is plain data: the page stands and says what it holds", async () => {
    // A model card may link anywhere in the app; the sort named in the address is the linker's to choose.
    for (const sort of ["__proto__", "constructor", "toString", "nope"]) {
      await page.goto(`${gw.origin}/projects/default?sort=${sort}`);
      await page.getByRole("link", { name: "mnist", exact: true }).waitFor();
      expect(await page.getByLabel("Sort by").inputValue()).toBe("name");
    }
    const registry = await connection({ url: gw.url }).getModelRegistry();
    await registry.createModel({ name: "protos", modelPath: modelDir, tags: { constructor: "c" } });
    await registry.createModel({ name: "protos", modelPath: modelDir, tags: { toString: "t", ["__proto__"]: "p" } });
    await page.goto(`${gw.origin}/projects/default/models/protos/compare?v=1,2`);
    const cells = (tag: string) => page.getByRole("row", { name: tag, exact: false }).locator("td").allInnerTexts();
    await expect.poll(() => cells("constructor")).toEqual(['"c"', "–"]);
    expect(await cells("toString")).toEqual(["–", '"t"']);
    expect(await cells("__proto__")).toEqual(["–", '"p"']);
    // A tag filter on such a name reaches the server as it is (not "given twice", not swallowed).
    const rows = () => page.locator("table.data").last().locator("tbody th").allInnerTexts();
    await page.goto(`${gw.origin}/projects/default/models/protos?tag=constructor%3Dc`);
    await expect.poll(rows).toEqual(["v1"]);
    await page.goto(`${gw.origin}/projects/default/models/protos?tag=__proto__%3Dp`);
    await expect.poll(rows).toEqual(["v2"]);
  });

  test("no console errors and no request leaving the machine along the way", () => {
    expect(watch.problems).toEqual([]);
    expect(watch.foreign).toEqual([]);
  });
});

describe.skipIf(!built)("a family of 10,000 versions", () => {
  test("the family page's first view: time until its table is shown (printed, not asserted)", async () => {
    const gw = await startTestGateway();
    const browser = await launchChromium();
    try {
      const caller = Caller.open();
      const started = Date.now();
      for (let version = 1; version <= 10_000; version++) {
        await gw.gateway.registry.createModel(caller, {
          name: "big",
          version,
          metrics: [
            { key: "accuracy", value: (version % 997) / 997 },
            { key: "loss", value: 1 - (version % 991) / 991 },
          ],
        });
      }
      console.log(`seeded 10,000 versions in ${Date.now() - started} ms`);
      for (const [label, query] of [
        [
          "page of 50 sorted by accuracy",
          `{ models(name: "big", sortKey: "accuracy", first: 50) { totalCount nodes { id version metrics { key value } } } }`,
        ],
        ["chart series of 500", `{ models(name: "big", first: 500) { totalCount nodes { id version metrics { key value } } } }`],
      ]) {
        const t = Date.now();
        expect((await gw.gql(query!)).errors).toBeUndefined();
        console.log(`${label}: ${Date.now() - t} ms from Node`);
      }
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const watch = await watchPage(page, gw.origin);
      // Warm the HTTP cache as a returning user has it; the measure is the page, not the download.
      await page.goto(`${gw.origin}/`);
      const t0 = Date.now();
      await page.goto(`${gw.origin}/projects/default/models/big?sort=accuracy`);
      await page.getByRole("link", { name: "v9969", exact: true }).waitFor();
      const table = Date.now() - t0;
      await page.locator(".chart canvas").waitFor();
      const chart = Date.now() - t0;
      console.log(
        `family page of 10,000 versions: table sorted by a metric shown (interactive) in ${table} ms, chart of 500 versions in ${chart} ms`,
      );
      const requests = await page.evaluate(() =>
        performance
          .getEntriesByType("resource")
          .map((e) => `${e.name.replace(location.origin, "")} ${Math.round(e.startTime)}+${Math.round(e.duration)} ms`),
      );
      console.log(`its requests (start+duration): ${requests.join(", ")}`);
      const navigation = await page.evaluate(() => {
        const [entry] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
        return entry ? { responseEnd: Math.round(entry.responseEnd), domContentLoaded: Math.round(entry.domContentLoadedEventEnd) } : null;
      });
      console.log(`its document: ${JSON.stringify(navigation)}`);
      await page.getByRole("button", { name: "Load more versions" }).click();
      await expect.poll(() => page.locator("table.data").last().locator("tbody tr").count()).toBeGreaterThan(50);
      await page.screenshot({ path: path.join(SHOTS, "11-family-10k.png"), fullPage: false });
      expect(watch.problems).toEqual([]);
    } finally {
      await browser.close();
      await gw.close();
    }
  }, 300_000);
});

describe.skipIf(!built)("API keys in the web app", () => {
  test("without a key the refusal is shown in words; a pasted key (sessionStorage only) lists only its projects", async () => {
    const admin = generateKey();
    const gw = await startTestGateway({ config: { adminKey: admin.token } });
    const browser = await launchChromium();
    try {
      const auth = { authorization: `Bearer ${admin.token}` };
      for (const project of ["vision", "speech"])
        expect((await gw.gql(`mutation { createProject(name: "${project}") { name } }`, {}, auth)).errors).toBeUndefined();
      const created = await gw.gql(
        `mutation { createApiKey(input: { name: "reader", grants: [{ project: "vision", role: READ }] }) { secret } }`,
        {},
        auth,
      );
      const reader: string = created.data.createApiKey.secret;
      const page = await browser.newPage();
      const watch = await watchPage(page, gw.origin);
      await page.goto(`${gw.origin}/`);
      await page
        .getByRole("alert")
        .getByText(/needs an API key/)
        .waitFor();
      await page.getByRole("link", { name: "Sign in with an API key" }).click();
      await page.getByLabel("API key").fill("two words");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("one word of printable characters").waitFor();
      await page.getByLabel("API key").fill(reader);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("link", { name: "vision" }).waitFor();
      expect(await page.getByRole("link", { name: "speech" }).count()).toBe(0);
      expect(page.url()).not.toContain(reader);
      expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([reader]);
      expect(await page.evaluate(() => Object.values(localStorage))).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, "10-signed-in.png") });
      // A read key is offered no change: no upload on the project or the model, no delete on a version.
      const registered = await gw.gql(`mutation { createModel(input: { project: "vision", name: "cnn" }) { version } }`, {}, auth);
      expect(registered.errors).toBeUndefined();
      await page.getByRole("link", { name: "vision" }).click();
      await page.getByRole("link", { name: "cnn" }).first().waitFor();
      expect(await page.getByRole("link", { name: "Upload a new version" }).count()).toBe(0);
      await page.goto(`${gw.origin}/projects/vision/models/cnn/versions/1`);
      await page.getByRole("heading", { name: "Fetch it" }).waitFor();
      expect(await page.getByRole("button", { name: "Delete this version…" }).count()).toBe(0);
      expect(await page.getByRole("heading", { name: "Delete" }).count()).toBe(0);
      expect(await page.getByRole("button", { name: "Set alias" }).count()).toBe(0);
      // Only the refused request before signing in failed, as the browser logs it.
      expect(watch.problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
      expect(watch.foreign).toEqual([]);
    } finally {
      await browser.close();
      await gw.close();
    }
  });
});

describe.skipIf(!built)("protected aliases in the web app", () => {
  test("a write key sees the lock; moving or removing a protected alias is refused with FORBIDDEN in words, and nothing changes", async () => {
    const admin = generateKey();
    const gw = await startTestGateway({ config: { adminKey: admin.token } });
    const browser = await launchChromium();
    try {
      const auth = { authorization: `Bearer ${admin.token}` };
      const ok = async (query: string) => {
        const result = await gw.gql(query, {}, auth);
        expect(result.errors).toBeUndefined();
        return result.data;
      };
      await ok(`mutation { createProject(name: "vision") { name } }`);
      for (let i = 0; i < 2; i++) await ok(`mutation { createModel(input: { project: "vision", name: "cnn" }) { version } }`);
      await ok(`mutation { setAlias(project: "vision", name: "cnn", alias: "production", version: 1, protected: true) { alias } }`);
      await ok(`mutation { setAlias(project: "vision", name: "cnn", alias: "staging", version: 1) { alias } }`);
      const writer: string = (
        await ok(`mutation { createApiKey(input: { name: "writer", grants: [{ project: "vision", role: WRITE }] }) { secret } }`)
      ).createApiKey.secret;
      const aliases = async () =>
        (await ok(`{ modelAliases(project: "vision", name: "cnn") { alias version protected } }`)).modelAliases as unknown[];
      const before = await aliases();

      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const watch = await watchPage(page, gw.origin);
      await page.goto(`${gw.origin}/sign-in`);
      await page.getByLabel("API key").fill(writer);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("link", { name: "vision" }).click();
      await page.getByRole("link", { name: "cnn", exact: true }).click();
      const v1 = page.locator("tbody tr", { has: page.getByRole("link", { name: "v1", exact: true }) });
      await expect.poll(() => v1.innerText()).toMatch(/production\s*\(protected\)\s*staging/);
      expect(await v1.locator(".badge.protected svg").count()).toBe(1);

      // Moving it from v2's page: the hint warns, the registry refuses, the page says why.
      await page.getByRole("link", { name: "v2", exact: true }).click();
      await page.getByLabel("Point an alias at v2").fill("production");
      await page.getByText("production points at v1 now: setting it here moves it (it is protected: that needs admin).").waitFor();
      await page.getByRole("button", { name: "Set alias" }).click();
      const refusal = page.getByRole("alert").filter({ hasText: "FORBIDDEN" });
      await refusal.getByText(/Your API key does not allow this\..*protected/).waitFor();
      await page.screenshot({ path: path.join(SHOTS, "19-protected-alias-refused.png"), fullPage: true });
      expect(await seriousViolations(page)).toEqual([]);

      // Removing it from v1's page: refused alike; the unprotected one goes.
      await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "cnn" }).click();
      await page.getByRole("link", { name: "v1", exact: true }).click();
      await page.getByRole("button", { name: "Remove alias production" }).click();
      await page
        .getByRole("alert")
        .getByText(/FORBIDDEN.*removing it needs admin/)
        .waitFor();
      expect(await aliases()).toEqual(before);
      await page.getByRole("button", { name: "Remove alias staging" }).click();
      await page.getByText("staging was removed.").waitFor();
      expect(await aliases()).toEqual([{ alias: "production", version: 1, protected: true }]);
      expect(watch.problems.filter((p) => !/status of 403/.test(p))).toEqual([]);
      expect(watch.foreign).toEqual([]);
    } finally {
      await browser.close();
      await gw.close();
    }
  });
});

describe("the gateway without a build of the web app", () => {
  test("answers pages with 503 and how to build, and keeps API paths", async () => {
    const app = express();
    app.use(webAppRoutes({ directory: fs.mkdtempSync(path.join(os.tmpdir(), "homer-no-web-")) }));
    app.use((_req, res) => void res.status(404).send("next"));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${origin}/projects/x`, { headers: { accept: "text/html" } });
      expect(page.status).toBe(503);
      expect(await page.text()).toMatch(/npm run build/);
      expect(await (await fetch(`${origin}/graphql`, { headers: { accept: "text/html" } })).text()).toBe("next");
      expect((await fetch(`${origin}/assets/index-abc.js`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
