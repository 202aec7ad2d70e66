/**
 * The connection listening for events lost without a word: the server's host gone in
 * a failover, or a NAT or load balancer forgetting an idle flow, so that no reset ever
 * arrives and TCP keepalive would notice only after hours (7200 s by default on Linux).
 * Here a proxy between one replica and PostgreSQL stops passing the bytes of every
 * connection it carries while taking new ones. The replica must find its listener dead
 * by itself, listen again and replay what its subscribers missed.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGateway, type Gateway } from "../gateway/src/app.js";
import { loadConfig } from "../gateway/src/config.js";
import { openStorage } from "../gateway/src/storage/factory.js";
import { BACKENDS, createPgDatabase, makeTempDir } from "./support/backends.js";
import { silentLog } from "./support/registry.js";
import { silencingProxy, type SilencingProxy } from "./support/silencing-proxy.js";
import { eventsArrive, subscribe, untilLive, type Subscriber } from "./support/subscriber.js";

const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { version } }`;

describe.runIf(BACKENDS.includes("postgres"))("the events listener's connection lost without a reset", () => {
  let database: { url: string; drop: () => Promise<void> };
  let proxy: SilencingProxy;
  let writer: Gateway;
  let listener: Gateway;
  let subscriber: Subscriber | undefined;
  const dirs: string[] = [];

  async function gatewayOn(databaseUrl: string): Promise<Gateway> {
    const dataDir = await makeTempDir("homer-pg-silent-");
    dirs.push(dataDir);
    // A short statement timeout, so the pool's silenced connections are given up in seconds.
    const config = {
      ...loadConfig(["--port", "0", "--db-statement-timeout-ms", "500", "--rate-limit", "0"], {}),
      databaseUrl,
      dataDir,
      blobUrl: path.join(dirs[0]!, "blobs"),
    };
    return startGateway(config, { log: silentLog, storage: await openStorage(config) });
  }

  beforeAll(async () => {
    database = await createPgDatabase();
    proxy = await silencingProxy(new URL(database.url), 5432);
    writer = await gatewayOn(database.url);
    const throughProxy = new URL(database.url);
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    listener = await gatewayOn(throughProxy.toString());
  });

  afterAll(async () => {
    await subscriber?.close();
    // The silenced connections end with the proxy: a dead peer's never would.
    await proxy?.close();
    await listener?.close();
    await writer?.close();
    await database?.drop();
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  const create = async () => {
    const res = await fetch(`${writer.origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: CREATE, variables: { i: { name: "silent" } } }),
    });
    return ((await res.json()) as { data: { createModel: { version: number } } }).data.createModel.version;
  };

  test("a subscriber on the replica gets the events committed after the loss, in order, within seconds", async () => {
    subscriber = subscribe(listener.origin, { name: "silent" });
    await untilLive(subscriber, create);
    proxy.silenceAll();
    const versions = [await create(), await create(), await create()];
    const events = await eventsArrive(subscriber, 3, 25_000);
    expect(events.map((e: { version: number }) => e.version)).toEqual(versions);
  }, 40_000);
});
