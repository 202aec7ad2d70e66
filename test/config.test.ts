import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { ConfigError, DEFAULT_SQLITE_READERS, helpText, loadConfig, parseSize, withoutCredentials } from "../gateway/src/config.js";

describe("configuration", () => {
  test("defaults serve the embedded store under ./.homer on loopback:4000", () => {
    const config = loadConfig([], {});
    expect(config).toMatchObject({ port: 4000, host: "127.0.0.1", dataDir: path.resolve(".homer") });
    expect(config.databaseUrl).toBe(path.join(".homer", "registry.sqlite"));
    expect(config.blobUrl).toBe(path.join(".homer", "blobs"));
    expect(Object.isFrozen(config)).toBe(true);
  });

  test("environment variables, and flags over them", () => {
    const env = { PORT: "5000", HOMER_DATA_DIR: "/srv/homer", HOMER_MAX_FILE_SIZE: "512MiB", HOMER_DATABASE_URL: "postgres://x@h/db" };
    expect(loadConfig([], env)).toMatchObject({
      port: 5000,
      dataDir: "/srv/homer",
      maxFileSize: 512 * 2 ** 20,
      databaseUrl: "postgres://x@h/db",
      blobUrl: path.join("/srv/homer", "blobs"),
    });
    expect(loadConfig(["--port", "6000", "--max-files=3", "--development"], env)).toMatchObject({
      port: 6000,
      maxFiles: 3,
      development: true,
    });
  });

  test("connection limits: headers deadline, idle timeout and connection cap, none of them off", () => {
    expect(loadConfig([], {})).toMatchObject({
      headersTimeoutMs: 30_000,
      idleTimeoutMs: 60_000,
      maxConnections: 1024,
      maxConnectionsPerAddress: 256,
    });
    const env = {
      HOMER_HEADERS_TIMEOUT_MS: "45000",
      HOMER_IDLE_TIMEOUT_MS: "120000",
      HOMER_MAX_CONNECTIONS: "64",
      HOMER_MAX_CONNECTIONS_PER_ADDRESS: "8",
    };
    expect(loadConfig([], env)).toMatchObject({
      headersTimeoutMs: 45_000,
      idleTimeoutMs: 120_000,
      maxConnections: 64,
      maxConnectionsPerAddress: 8,
    });
    for (const name of Object.keys(env)) expect(() => loadConfig([], { [name]: "0" })).toThrow(new RegExp(`${name}: expected an integer`));
  });

  test("sizes take units", () => {
    expect(parseSize("1048576", "x")).toBe(1048576);
    expect(parseSize("1.5GB", "x")).toBe(1.5e9);
    expect(parseSize("20GiB", "x")).toBe(20 * 2 ** 30);
    expect(() => parseSize("lots", "x")).toThrow(ConfigError);
    expect(() => parseSize("0", "x")).toThrow(ConfigError);
    // The answer budget (default 32 MiB) takes the same sizes and refuses the same nonsense, naming itself.
    expect(loadConfig([], {}).maxAnswerChars).toBe(32 * 2 ** 20);
    expect(loadConfig([], { HOMER_MAX_ANSWER_SIZE: "1MiB" }).maxAnswerChars).toBe(2 ** 20);
    for (const bad of ["0", "-1MiB", "lots", "1\u0000MiB", "9".repeat(400)]) {
      expect(() => loadConfig([], { HOMER_MAX_ANSWER_SIZE: bad }), bad).toThrow(/HOMER_MAX_ANSWER_SIZE/);
    }
  });

  test.each([
    [["--port", "abc"], {}],
    [["--port", "70000"], {}],
    [["--nope"], {}],
    [["--port"], {}],
    [[], { HOMER_MAX_FILES: "-1" }],
    [[], { HOMER_DEVELOPMENT: "maybe" }],
    [["--public-url", "models.example.com"], {}],
    [["--public-url", "ftp://models.example.com"], {}],
  ])("refuses %j %j with a message naming the option", (argv, env) => {
    expect(() => loadConfig(argv, env)).toThrow(ConfigError);
    const flag = argv[0] ?? Object.keys(env)[0]!;
    expect(() => loadConfig(argv, env)).toThrow(new RegExp(flag.replace(/^--/, "")));
  });

  test("flags as parseArgs splits them: switches, inline values, last one wins, and the old refusals", () => {
    expect(loadConfig(["--insecure"], {}).insecure).toBe(true);
    expect(loadConfig(["--insecure=false"], { HOMER_INSECURE: "true" }).insecure).toBe(false);
    expect(loadConfig(["--port", "1", "--port=2", "--host=a=b"], {})).toMatchObject({ port: 2, host: "a=b" });
    expect(loadConfig(["--cors-origins", "-x"], {}).corsOrigins).toEqual(["-x"]);
    expect(() => loadConfig(["--port"], {})).toThrow("--port needs a value");
    for (const arg of ["--nope", "-p", "extra", "--", "--PORT"]) {
      expect(() => loadConfig([arg, "1"], {})).toThrow(`unknown option ${arg} (see --help)`);
    }
    expect(() => loadConfig(["--insecure", "false"], {})).toThrow("unknown option false (see --help)");
  });

  test("a bad log level is a configuration error naming the option", () => {
    expect(() => loadConfig([], { HOMER_LOG_LEVEL: "verbose" })).toThrow(/--log-level \/ HOMER_LOG_LEVEL: expected one of/);
  });

  test("a mistyped database URL scheme is refused, not turned into a SQLite file", async () => {
    const { openStorage } = await import("../gateway/src/storage/factory.js");
    await expect(openStorage({ databaseUrl: "postgress://u:pw@db:5432/homer", blobUrl: "/tmp/never" })).rejects.toThrow(
      /unsupported database URL scheme/,
    );
    // Refused before the database is opened: no SQLite file appears.
    await expect(openStorage({ databaseUrl: "/tmp/never/x.sqlite", blobUrl: "gs://bucket/p" })).rejects.toThrow(ConfigError);
  });

  test("a blob directory that cannot be made or written is a configuration error naming the directory and the setting", async () => {
    const { openStorage } = await import("../gateway/src/storage/factory.js");
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "homer-blobdir-"));
    try {
      const file = path.join(dir, "a-file");
      await fs.writeFile(file, "not a directory");
      for (const blobUrl of [file, path.join(file, "blobs"), `file://${file}`]) {
        const opened = openStorage({ databaseUrl: path.join(dir, "registry.sqlite"), blobUrl, sqliteReaders: 0 });
        await expect(opened).rejects.toThrow(ConfigError);
        await expect(opened).rejects.toThrow(`${file}`);
        await expect(opened).rejects.toThrow(/HOMER_BLOB_URL.*cannot be used as the blob directory: (ENOTDIR|EEXIST)/);
      }
      // Nothing was lost: the file in the directory's place is as it was.
      expect(await fs.readFile(file, "utf8")).toBe("not a directory");
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test("--help names every flag and environment variable", () => {
    const help = helpText();
    for (const word of ["PORT", "HOST", "HOMER_DATA_DIR", "HOMER_DATABASE_URL", "HOMER_BLOB_URL", "HOMER_MAX_FILE_SIZE", "--max-files"]) {
      expect(help).toContain(word);
    }
  });

  test("--help keeps every flag apart from its text, in one column", () => {
    const flagLines = helpText()
      .split("\n")
      .filter((line) => line.startsWith("  --"));
    expect(flagLines.length).toBeGreaterThan(20);
    const columns = new Set(flagLines.map((line) => /^ {2}--\S+(?: <value>)? {2,}(?=\S)/.exec(line)?.[0].length));
    expect([...columns]).toHaveLength(1);
    expect(columns.has(undefined)).toBe(false);
  });
});

describe("HOMER_TRUST_PROXY and HOMER_AUTH_FAILURE_LIMIT", () => {
  test("off by default; a hop count; addresses and CIDRs, each as express's trust proxy takes it", async () => {
    const express = (await import("express")).default;
    expect(loadConfig([], {})).toMatchObject({ trustProxy: false, authFailureLimit: 60 });
    expect(loadConfig([], { HOMER_TRUST_PROXY: "0" }).trustProxy).toBe(false);
    expect(loadConfig([], { HOMER_TRUST_PROXY: "off" }).trustProxy).toBe(false);
    expect(loadConfig([], { HOMER_TRUST_PROXY: "2" }).trustProxy).toBe(2);
    const list = loadConfig(["--trust-proxy", "10.0.0.0/8, 192.168.1.7,fd00::/8,::1,loopback"], {}).trustProxy;
    expect(list).toEqual(["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1", "loopback"]);
    for (const value of [2, list]) expect(() => express().set("trust proxy", Array.isArray(value) ? [...value] : value)).not.toThrow();
    expect(loadConfig([], { HOMER_AUTH_FAILURE_LIMIT: "0" }).authFailureLimit).toBe(0);
  });

  test.each([
    "true",
    "all",
    "10.0.0.0/33",
    "fd00::/129",
    "10.0.0.300",
    "proxy.internal",
    "10.0.0.1,,10.0.0.2",
    "-1",
    "1.5",
    "10.0.0.0/8/8",
    // Every address, as a range: the same as true.
    "0.0.0.0/0",
    "10.0.0.1, ::/0",
    "::ffff:0.0.0.0/0",
  ])("refuses HOMER_TRUST_PROXY=%s with a ConfigError naming the option", (value) => {
    expect(() => loadConfig([], { HOMER_TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig([], { HOMER_TRUST_PROXY: value })).toThrow(/--trust-proxy \/ HOMER_TRUST_PROXY/);
  });

  test("--help documents both", () => {
    expect(helpText()).toMatch(/--trust-proxy[\s\S]*env HOMER_TRUST_PROXY, default off/);
    expect(helpText()).toMatch(/--auth-failure-limit[\s\S]*env HOMER_AUTH_FAILURE_LIMIT, default 60/);
  });
});

describe("URLs as they are shown (the ready line, configuration errors)", () => {
  test.each([
    ["postgres://homer:s3cret@db:5432/homer", "postgres://***@db:5432/homer"],
    // A password may hold an @ (the URL's authority ends at its last one): none of it is shown.
    ["postgres://homer:p@ss@w0rd@db:5432/homer", "postgres://***@db:5432/homer"],
    ["postgres://homer@db/homer?sslmode=require&application_name=a@b", "postgres://***@db/homer?sslmode=require&application_name=a@b"],
    ["postgres://db:5432/homer", "postgres://db:5432/homer"],
    ["redis://:pw@cache:6379/2", "redis://***@cache:6379/2"],
  ])("%s is shown as %s", (url, shown) => {
    expect(withoutCredentials(url)).toBe(shown);
  });

  test("a Redis URL refused for its scheme is quoted without its password", () => {
    expect(() => loadConfig([], { HOMER_REDIS_URL: "http://u:p@ss@cache:6379" })).toThrow(/got "http:\/\/\*\*\*@cache:6379"/);
  });
});

describe("HOMER_METRICS, HOMER_METRICS_TOKEN and HOMER_REDIS_URL", () => {
  test("metrics on by default with no token; no Redis by default", () => {
    expect(loadConfig([], {})).toMatchObject({ metrics: true, metricsToken: undefined, redisUrl: undefined });
    expect(loadConfig([], { HOMER_METRICS: "false" }).metrics).toBe(false);
    expect(loadConfig(["--metrics-token", "a".repeat(16)], {}).metricsToken).toBe("a".repeat(16));
    expect(loadConfig([], { HOMER_REDIS_URL: "redis://127.0.0.1:6379/2" }).redisUrl).toBe("redis://127.0.0.1:6379/2");
    expect(loadConfig([], { HOMER_REDIS_URL: "rediss://user:pw@cache.internal:6380" }).redisUrl).toMatch(/^rediss:/);
  });

  test.each([
    ["HOMER_METRICS_TOKEN", "short", /--metrics-token \/ HOMER_METRICS_TOKEN/],
    ["HOMER_METRICS_TOKEN", "has a space in it, sixteen+", /--metrics-token/],
    ["HOMER_REDIS_URL", "127.0.0.1:6379", /--redis-url \/ HOMER_REDIS_URL/],
    ["HOMER_REDIS_URL", "http://cache:6379", /--redis-url/],
    ["HOMER_METRICS", "maybe", /--metrics \/ HOMER_METRICS/],
  ])("refuses %s=%s with a ConfigError naming the option", (env, value, message) => {
    expect(() => loadConfig([], { [env]: value })).toThrow(ConfigError);
    expect(() => loadConfig([], { [env]: value })).toThrow(message);
  });

  test("a refused Redis URL does not echo its password", () => {
    expect(() => loadConfig([], { HOMER_REDIS_URL: "http://user:secret@cache:6379" })).toThrow(/\*\*\*@cache/);
    expect(() => loadConfig([], { HOMER_REDIS_URL: "http://user:secret@cache:6379" })).not.toThrow(/secret/);
  });
});

describe("HOMER_GRAPHQL_JIT and HOMER_GRAPHQL_LANE", () => {
  test("both on by default; flags and env turn either off", () => {
    expect(loadConfig([], {})).toMatchObject({ graphqlJit: true, graphqlLane: true });
    expect(loadConfig([], { HOMER_GRAPHQL_JIT: "false", HOMER_GRAPHQL_LANE: "false" })).toMatchObject({
      graphqlJit: false,
      graphqlLane: false,
    });
    expect(loadConfig(["--graphql-lane=false"], { HOMER_GRAPHQL_LANE: "true" }).graphqlLane).toBe(false);
    expect(helpText()).toMatch(/--graphql-jit[\s\S]*env HOMER_GRAPHQL_JIT, default true/);
    expect(helpText()).toMatch(/--graphql-lane[\s\S]*env HOMER_GRAPHQL_LANE, default true/);
  });

  test.each(["maybe", " true", "TRUE\u0000", "1".repeat(10_000), "off\u202e"])(
    "refuses %j with a ConfigError naming the option",
    (value) => {
      expect(() => loadConfig([], { HOMER_GRAPHQL_JIT: value })).toThrow(/--graphql-jit \/ HOMER_GRAPHQL_JIT/);
      expect(() => loadConfig([], { HOMER_GRAPHQL_LANE: value })).toThrow(/--graphql-lane \/ HOMER_GRAPHQL_LANE/);
    },
  );
});

describe("HOMER_SQLITE_READERS", () => {
  test("one thread per core beside the event loop's, at most 4 and at least 1; 0 reads on the event loop", () => {
    expect(DEFAULT_SQLITE_READERS).toBe(Math.max(1, Math.min(4, os.availableParallelism() - 1)));
    expect(loadConfig([], {}).sqliteReaders).toBe(DEFAULT_SQLITE_READERS);
    expect(loadConfig([], { HOMER_SQLITE_READERS: "0" }).sqliteReaders).toBe(0);
    expect(loadConfig(["--sqlite-readers", "3"], { HOMER_SQLITE_READERS: "0" }).sqliteReaders).toBe(3);
    expect(helpText()).toMatch(/--sqlite-readers[\s\S]*env HOMER_SQLITE_READERS/);
  });

  test.each(["-1", "65", "1.5", "two", "2\u0000", "9".repeat(400)])("refuses %j with a ConfigError naming the option", (value) => {
    expect(() => loadConfig([], { HOMER_SQLITE_READERS: value })).toThrow(ConfigError);
    expect(() => loadConfig([], { HOMER_SQLITE_READERS: value })).toThrow(/sqlite-readers/);
  });
});
