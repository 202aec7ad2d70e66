import fs from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connection, RegistryError, SUPPORTED_SCHEMA_MAJORS } from "@homer/sdk";
import { GATEWAY_VERSION, SCHEMA_VERSION } from "../gateway/src/domain/version.js";
import { startTestGateway, type TestGateway } from "./support/gateway.js";

const ROOT = new URL("..", import.meta.url);
const manifest = async (file: string) => JSON.parse(await fs.readFile(new URL(file, ROOT), "utf8")) as Record<string, any>;

/** A server that answers every GraphQL request with `body` (a gateway of another release). */
async function fakeGateway(body: unknown): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function refusal(url: string): Promise<RegistryError> {
  const error: unknown = await connection({ url })
    .getModelRegistry()
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

describe("versions", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  test("the gateway reports its release and schema version in /healthz and the version query", async () => {
    expect(GATEWAY_VERSION).toBe((await manifest("gateway/package.json")).version);
    expect(SCHEMA_VERSION).toMatch(/^\d+\.\d+$/);
    expect(await (await fetch(`${gw.origin}/healthz`)).json()).toEqual({
      status: "ok",
      version: GATEWAY_VERSION,
      schemaVersion: SCHEMA_VERSION,
    });
    const answered = await gw.gql(`{ version { gateway schema } }`);
    expect(answered.data).toEqual({ version: { gateway: GATEWAY_VERSION, schema: SCHEMA_VERSION } });
  });

  test("the SDK reads the version and speaks the gateway's schema major", async () => {
    const conn = connection({ url: gw.url });
    expect(await conn.gatewayVersion()).toEqual({ gateway: GATEWAY_VERSION, schema: SCHEMA_VERSION });
    expect(SUPPORTED_SCHEMA_MAJORS).toContain(Number(SCHEMA_VERSION.split(".")[0]));
    await expect(conn.getModelRegistry()).resolves.toBeDefined();
  });

  test("a gateway of a schema major the SDK does not speak is UNSUPPORTED, saying which side to upgrade", async () => {
    const cases = [
      { schema: "2.0", says: /serves schema "2\.0"; this SDK speaks 1\.x: upgrade @homer\/sdk/ },
      { schema: "0.9", says: /serves schema "0\.9"; this SDK speaks 1\.x: upgrade the gateway/ },
      { schema: "1", says: /serves schema "1"; this SDK speaks 1\.x/ },
      { schema: "", says: /serves schema ""; this SDK speaks 1\.x/ },
      { schema: "\u001b[2J9.0" + "x".repeat(100_000), says: /serves schema "\\u001b\[2J9\.0x+…"; this SDK speaks 1\.x/ },
    ];
    for (const { schema, says } of cases) {
      const other = await fakeGateway({ data: { version: { gateway: "9.9.9", schema } } });
      try {
        const error = await refusal(other.url);
        expect(error.code).toBe("UNSUPPORTED");
        expect(error.message).toMatch(says);
        expect(error.message).toContain(other.url);
      } finally {
        await other.close();
      }
    }
  });

  test("a version answer that is not two strings is UNSUPPORTED, not a TypeError", async () => {
    for (const version of [null, { gateway: "1.0.0", schema: 2 }, { schema: "1.0" }, "1.0", []]) {
      const other = await fakeGateway({ data: { version } });
      try {
        const error = await refusal(other.url);
        expect(error.code, JSON.stringify(version)).toBe("UNSUPPORTED");
        expect(error.message).toMatch(/sent no readable version/);
      } finally {
        await other.close();
      }
    }
  });

  test("a gateway from before versioned schemas is UNSUPPORTED: upgrade the gateway", async () => {
    const old = await fakeGateway({
      errors: [{ message: 'Cannot query field "version" on type "Query".', extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }],
    });
    try {
      const error = await refusal(old.url);
      expect(error.code).toBe("UNSUPPORTED");
      expect(error.message).toMatch(/predates versioned schemas .*upgrade the gateway/);
    } finally {
      await old.close();
    }
  });

  test("the packages release together: one version, the CLI on that SDK, a CHANGELOG entry naming the schema", async () => {
    const [root, gateway, sdk, cli] = [
      await manifest("package.json"),
      await manifest("gateway/package.json"),
      await manifest("sdk/package.json"),
      await manifest("cli/package.json"),
    ];
    expect(new Set([root.version, gateway.version, sdk.version, cli.version])).toEqual(new Set([sdk.version]));
    expect(cli.dependencies["@homer/sdk"]).toBe(`^${sdk.version}`);
    const changelog = await fs.readFile(new URL("CHANGELOG.md", ROOT), "utf8");
    expect(changelog).toContain(`\n## ${sdk.version} `);
    expect(changelog).toContain(`| ${sdk.version} | ${SCHEMA_VERSION} | ${SUPPORTED_SCHEMA_MAJORS.map((m) => `${m}.x`).join(", ")} |`);
  });
});
