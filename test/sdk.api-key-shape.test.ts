import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError } from "@homer/sdk";
import { makeTempDir } from "./support/backends.js";
import { killAllChildren, startChildGateway } from "./support/child-gateway.js";
import { homer } from "./support/cli.js";

/**
 * An API key as a shell or a file hands it over: `HOMER_API_KEY=$(cat key.txt)` keeps the
 * carriage return of a file saved with CRLF line ends. fetch strips the ends of a header value
 * (so queries went through), node:http refuses a CR in one (so pull, push and watch did not).
 */
describe("an API key with whitespace at its ends, or a character no header can carry", () => {
  let root: string;
  let admin: string;
  let url: string;

  beforeAll(async () => {
    const { generateKey } = await import("../gateway/src/access/api-key.js");
    admin = generateKey().token;
    root = await makeTempDir("homer-api-key-shape-");
    const gw = await startChildGateway({
      env: { HOMER_DATA_DIR: path.join(root, ".homer"), HOMER_ADMIN_KEY: admin },
    });
    url = `${gw.origin}/graphql`;
    await fs.mkdir(path.join(root, "model"));
    await fs.writeFile(path.join(root, "model", "w.bin"), "weights");
  });
  afterAll(async () => {
    await killAllChildren();
    await fs.rm(root, { recursive: true, force: true });
  });

  test("a key read from a CRLF file works for push, ls, pull and watch alike", async () => {
    const env = { HOMER_URL: url, HOMER_API_KEY: `${admin}\r` };
    const push = await homer(["push", path.join(root, "model"), "--name", "crlf"], env);
    expect(push.stderr).toBe("");
    expect(push.code).toBe(0);
    expect((await homer(["ls", "crlf", "--json"], env)).code).toBe(0);
    const pull = await homer(["pull", "crlf", "--out", path.join(root, "out")], env);
    expect(pull.stderr).toBe("");
    expect(pull.code).toBe(0);
    expect(await fs.readFile(path.join(root, "out", "w.bin"), "utf8")).toBe("weights");
    const mr = await connection({ url, apiKey: ` ${admin}\r\n` }).getModelRegistry();
    const watch = mr.watch({ name: "crlf" });
    const next = watch.next();
    // The subscription starts with the first next(): register until its event arrives.
    let event: Awaited<typeof next> | undefined;
    void next.then(
      (e) => (event = e),
      () => {},
    );
    for (let i = 0; i < 20 && event === undefined; i++) {
      await mr.createModel({ name: "crlf", modelPath: path.join(root, "model") });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect((await next).value?.type).toBe("CREATED");
    await watch.close();
  });

  test("a key holding a line break or a character past U+00FF is BAD_USER_INPUT on apiKey, and no message repeats it", async () => {
    for (const apiKey of [`${admin.slice(0, 20)}\n${admin.slice(20)}`, `${admin}\u200b`, `${admin}\0`]) {
      const error = await Promise.resolve()
        .then(() => connection({ url, apiKey }).getModelRegistry())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).code).toBe("BAD_USER_INPUT");
      expect((error as RegistryError).field).toBe("apiKey");
      expect((error as Error).message).not.toContain(admin.slice(20, 40));
      const cli = await homer(["ls"], { HOMER_URL: url, HOMER_API_KEY: apiKey.replace("\0", "\u0001") });
      expect(cli.code).toBe(2);
      expect(cli.stderr).not.toContain(admin.slice(20, 40));
    }
  });
});
