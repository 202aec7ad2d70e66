import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { connection } from "@homer/sdk";
import { generateKey } from "../gateway/src/access/api-key.js";
import { launchChromium, watchPage } from "./support/browser.js";
import { startTestGateway } from "./support/gateway.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const built = fs.existsSync(path.join(ROOT, "web", "dist", "index.html"));
const MIB = 1024 * 1024;

test.skipIf(!built)(
  "with an API key, a 64 MiB file is streamed to disk through a download ticket, never held by the page",
  async () => {
    const admin = generateKey();
    const gw = await startTestGateway({ config: { adminKey: admin.token } });
    const browser = await launchChromium();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homer-web-ticket-"));
    try {
      const weights = randomBytes(64 * MIB);
      fs.writeFileSync(path.join(dir, "weights.bin"), weights);
      const registry = await connection({ url: gw.url, apiKey: admin.token, project: "default" }).getModelRegistry();
      await registry.createModel({ name: "big", modelPath: dir });

      const page = await browser.newPage();
      const watch = await watchPage(page, gw.origin);
      const fetched: string[] = [];
      page.on("request", (request) => {
        if (new URL(request.url()).pathname.startsWith("/files/")) fetched.push(`${request.resourceType()} ${request.url()}`);
      });
      await page.goto(`${gw.origin}/sign-in`);
      await page.getByLabel("API key").fill(admin.token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("link", { name: "default" }).waitFor();
      await page.goto(`${gw.origin}/projects/default/models/big/versions/1`);
      await page.getByRole("heading", { name: "Files" }).waitFor();

      const cdp = await page.context().newCDPSession(page);
      await cdp.send("HeapProfiler.collectGarbage");
      const before = (await cdp.send("Runtime.getHeapUsage")).usedSize;
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "weights.bin" }).click()]);
      const saved = await download.path();
      const after = (await cdp.send("Runtime.getHeapUsage")).usedSize;

      expect(download.suggestedFilename()).toBe("weights.bin");
      expect(createHash("sha256").update(fs.readFileSync(saved)).digest("hex")).toBe(createHash("sha256").update(weights).digest("hex"));
      // The browser fetched the ticket's URL itself (a download, not the page's fetch into a Blob).
      expect(download.url()).toMatch(new RegExp(`^${gw.origin}/files/default/big/1/weights\\.bin\\?ticket=`));
      expect(fetched.filter((request) => request.startsWith("fetch "))).toEqual([]);
      // What the page's own heap holds. A Blob's bytes live outside it (the Blob download this
      // replaced also stayed under this bound): the URL and the absence of a fetch above are
      // what tell a streamed download from a buffered one.
      expect(after - before).toBeLessThan(8 * MIB);
      expect(page.url()).toBe(`${gw.origin}/projects/default/models/big/versions/1`);
      expect(watch.problems).toEqual([]);
      expect(watch.foreign).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await browser.close();
      await gw.close();
    }
  },
  120_000,
);
