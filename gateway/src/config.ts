import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseTrustProxy, type TrustProxy } from "./trust-proxy.js";

/** Everything the gateway can be told, frozen once parsed. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** A SQLite file path or a `postgres://` URL. */
  readonly databaseUrl: string;
  /** A directory, or `s3://bucket/prefix`. */
  readonly blobUrl: string;
  /** S3 path-style addressing; undefined: on exactly when AWS_ENDPOINT_URL is set. */
  readonly s3ForcePathStyle: boolean | undefined;
  /** Answer file downloads with a redirect to a presigned URL of the blob store (S3 only). */
  readonly blobRedirect: boolean;
  /** How long such a presigned URL is valid. */
  readonly blobRedirectExpirySeconds: number;
  /** Absolute base for download URLs; derived from each request when unset. */
  readonly publicUrl: string | undefined;
  readonly maxFileSize: number;
  readonly maxFiles: number;
  readonly maxInputExampleBytes: number;
  /** Largest `flavors` of a version, as serialized JSON. */
  readonly maxFlavorsBytes: number;
  /** JSON request bodies and the multipart `operations` field. */
  readonly maxBodyBytes: number;
  /** The stored text (descriptions, tags, signatures, input examples, flavors) one GraphQL answer carries, in characters. */
  readonly maxAnswerChars: number;
  readonly shutdownGraceMs: number;
  /** How long a client may take to send a request's headers. */
  readonly headersTimeoutMs: number;
  /** Longest silence from a client mid-request (a stalled body, an unread answer). */
  readonly idleTimeoutMs: number;
  /** Open client connections at once, per process. */
  readonly maxConnections: number;
  /** Open connections at once from one client address (an IPv6 /64), trusted proxies' not counted. */
  readonly maxConnectionsPerAddress: number;
  readonly logLevel: string;
  readonly development: boolean;
  /** Serve without API keys even when bound beyond loopback. */
  readonly insecure: boolean;
  /** "generate", or a key (hmr_…) to bootstrap as the first admin key. */
  readonly adminKey: string | undefined;
  /** Origins allowed to call from browsers, besides the gateway's own. */
  readonly corsOrigins: readonly string[];
  readonly introspection: boolean;
  /** Serve the self-hosted GraphQL IDE at /graphql to browsers. */
  readonly ide: boolean;
  /** Requests per minute per API key (per address without one); 0 turns it off. */
  readonly rateLimit: number;
  /** Refused authentication attempts per minute per client address; 0 turns it off. */
  readonly authFailureLimit: number;
  /** Which proxies' `X-Forwarded-*` to believe (express's `trust proxy`): off, a hop count, or addresses/CIDRs. */
  readonly trustProxy: TrustProxy;
  readonly maxQueryDepth: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly maxDirectives: number;
  readonly maxQueryCost: number;
  /** How long start-up waits (with backoff) for an unreachable PostgreSQL. */
  readonly dbConnectTimeoutMs: number;
  /** PostgreSQL statement_timeout; a hung database answers UNAVAILABLE after it. 0 = none. */
  readonly dbStatementTimeoutMs: number;
  /** PostgreSQL: run statements as named prepared statements (off behind a transaction-mode pooler). */
  readonly dbPreparedStatements: boolean;
  /** Open event subscriptions per process, all callers together. */
  readonly maxSubscriptions: number;
  /** Open event subscriptions per API key (all anonymous callers count as one). */
  readonly maxSubscriptionsPerKey: number;
  /** How often subscribers' keys are checked again (revocation ends subscriptions within this). */
  readonly subscriptionRecheckMs: number;
  /**
   * Open mode (no API key exists): how long "no keys" is believed before the
   * database is asked again; a key created by any process is required everywhere within this.
   */
  readonly openModeRecheckMs: number;
  /** SQLite: how often, while anyone subscribes, to look for events of other processes. */
  readonly eventPollMs: number;
  /** SQLite: threads that run listings' reads beside the event loop (0: on it). */
  readonly sqliteReaders: number;
  /** How long events stay in the database's event log. */
  readonly eventRetentionMs: number;
  /** Redis for the shared rate-limit buckets (instead of PostgreSQL). */
  readonly redisUrl: string | undefined;
  /** Serve Prometheus metrics at /metrics. */
  readonly metrics: boolean;
  /** Compile operations that run repeatedly to JavaScript (graphql-jit) instead of interpreting them. */
  readonly graphqlJit: boolean;
  /** Answer plain JSON POSTs to /graphql on Node's HTTP server directly rather than through express. */
  readonly graphqlLane: boolean;
  /** A bearer token that may scrape /metrics besides admin keys. */
  readonly metricsToken: string | undefined;
  /** Operation names labelled in the metrics besides the project's own clients'; undefined: the first 100 others. */
  readonly metricsOperations: readonly string[] | undefined;
}

export type { TrustProxy };

interface OptionSpec {
  /** A flag that may stand alone (`--insecure`). */
  readonly boolean?: true;
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  readonly default: (partial: Record<string, string>) => string;
}

/**
 * SQLite reader threads by default: one per core beside the event loop's, at most 4
 * (one on a machine of two cores), and at least one.
 */
export const DEFAULT_SQLITE_READERS = Math.max(1, Math.min(4, os.availableParallelism() - 1));

/** One table drives the flags, the env variables and `--help`. */
const OPTIONS = {
  port: { flag: "--port", env: "PORT", help: "TCP port to listen on", default: () => "4000" },
  host: {
    flag: "--host",
    env: "HOST",
    help: "address to bind (loopback by default; 0.0.0.0 for all interfaces)",
    default: () => "127.0.0.1",
  },
  dataDir: {
    flag: "--data-dir",
    env: "HOMER_DATA_DIR",
    help: "where the embedded store keeps its files",
    default: () => "./.homer",
  },
  databaseUrl: {
    flag: "--database-url",
    env: "HOMER_DATABASE_URL",
    help: "metadata store: a SQLite file path or postgres://user@host:port/db",
    default: (o) => path.join(o.dataDir ?? "./.homer", "registry.sqlite"),
  },
  blobUrl: {
    flag: "--blob-url",
    env: "HOMER_BLOB_URL",
    help: "blob store: a directory, or s3://bucket/prefix (credentials, region and endpoint from the AWS_* variables)",
    default: (o) => path.join(o.dataDir ?? "./.homer", "blobs"),
  },
  s3ForcePathStyle: {
    flag: "--s3-force-path-style",
    env: "HOMER_S3_FORCE_PATH_STYLE",
    help: "S3 path-style URLs (endpoint/bucket/key): auto (on when AWS_ENDPOINT_URL is set), true or false",
    default: () => "auto",
  },
  blobRedirect: {
    flag: "--blob-redirect",
    env: "HOMER_BLOB_REDIRECT",
    boolean: true,
    help: "S3 only: answer file downloads with a 307 to a short-lived presigned URL of the bucket (archives stay streamed)",
    default: () => "false",
  },
  blobRedirectExpirySeconds: {
    flag: "--blob-redirect-expiry",
    env: "HOMER_BLOB_REDIRECT_EXPIRY",
    help: "seconds a presigned download URL stays valid",
    default: () => "60",
  },
  publicUrl: {
    flag: "--public-url",
    env: "HOMER_PUBLIC_URL",
    help: "absolute base URL for download links (default: taken from each request's Host)",
    default: () => "",
  },
  maxFileSize: {
    flag: "--max-file-size",
    env: "HOMER_MAX_FILE_SIZE",
    help: "largest single uploaded file; bytes or with a unit (512MiB, 20GiB)",
    default: () => "20GiB",
  },
  maxFiles: {
    flag: "--max-files",
    env: "HOMER_MAX_FILES",
    help: "most files in one model version",
    default: () => "10000",
  },
  maxInputExampleBytes: {
    flag: "--max-input-example",
    env: "HOMER_MAX_INPUT_EXAMPLE",
    help: "largest inputExample, as serialized JSON",
    default: () => "256KiB",
  },
  maxFlavorsBytes: {
    flag: "--max-flavors",
    env: "HOMER_MAX_FLAVORS",
    help: "largest flavors (MLmodel flavor details) of a version, as serialized JSON",
    default: () => "64KiB",
  },
  maxBodyBytes: {
    flag: "--max-body-size",
    env: "HOMER_MAX_BODY_SIZE",
    help: "largest JSON request body (and multipart operations field)",
    default: () => "2MiB",
  },
  maxAnswerChars: {
    flag: "--max-answer-size",
    env: "HOMER_MAX_ANSWER_SIZE",
    help: "most stored text (descriptions, tags, signatures, input examples, flavors) one answer carries",
    default: () => "32MiB",
  },
  shutdownGraceMs: {
    flag: "--shutdown-grace-ms",
    env: "HOMER_SHUTDOWN_GRACE_MS",
    help: "how long in-flight requests may finish after SIGTERM/SIGINT",
    default: () => "30000",
  },
  headersTimeoutMs: {
    flag: "--headers-timeout-ms",
    env: "HOMER_HEADERS_TIMEOUT_MS",
    help: "time a client has to send a request's headers; then 408 and the connection is closed",
    default: () => "30000",
  },
  idleTimeoutMs: {
    flag: "--idle-timeout-ms",
    env: "HOMER_IDLE_TIMEOUT_MS",
    help: "longest client silence mid-request (a stalled upload body, an unread answer) before the connection is closed",
    default: () => "60000",
  },
  maxConnections: {
    flag: "--max-connections",
    env: "HOMER_MAX_CONNECTIONS",
    help: "open client connections at once; further ones are closed on accept",
    default: () => "1024",
  },
  maxConnectionsPerAddress: {
    flag: "--max-connections-per-address",
    env: "HOMER_MAX_CONNECTIONS_PER_ADDRESS",
    help: "open connections at once from one client address (an IPv6 /64); further ones are closed on accept; trusted proxies' (HOMER_TRUST_PROXY) are not counted",
    default: () => "256",
  },
  logLevel: {
    flag: "--log-level",
    env: "HOMER_LOG_LEVEL",
    help: "pino level: fatal, error, warn, info, debug, trace, silent",
    default: () => "info",
  },
  insecure: {
    flag: "--insecure",
    env: "HOMER_INSECURE",
    boolean: true,
    help: "serve without API keys even when bound beyond loopback (never in production)",
    default: () => "false",
  },
  adminKey: {
    flag: "--admin-key",
    env: "HOMER_ADMIN_KEY",
    help: "first admin key, bootstrapped when none exists: a key (hmr_…) or `generate` (printed once)",
    default: () => "",
  },
  corsOrigins: {
    flag: "--cors-origins",
    env: "HOMER_CORS_ORIGINS",
    help: "comma-separated origins browsers may call from, besides the gateway's own",
    default: () => "",
  },
  introspection: {
    flag: "--introspection",
    env: "HOMER_INTROSPECTION",
    help: "answer introspection queries (IDEs and codegen need it)",
    default: () => "true",
  },
  ide: {
    flag: "--ide",
    env: "HOMER_IDE",
    help: "serve the self-hosted GraphQL IDE (Altair) to browsers at /graphql; false for production",
    default: () => "true",
  },
  rateLimit: {
    flag: "--rate-limit",
    env: "HOMER_RATE_LIMIT",
    help: "requests per minute per API key (per client address without one); 0 = off",
    default: () => "1200",
  },
  authFailureLimit: {
    flag: "--auth-failure-limit",
    env: "HOMER_AUTH_FAILURE_LIMIT",
    help: "refused keys (malformed, unknown, revoked) and download tickets per minute per client address before 429; valid ones always pass; 0 = off",
    default: () => "60",
  },
  trustProxy: {
    flag: "--trust-proxy",
    env: "HOMER_TRUST_PROXY",
    help:
      "believe X-Forwarded-For from proxies: off, a hop count (1 = one proxy in front), " +
      "or comma-separated addresses/CIDRs (also loopback, linklocal, uniquelocal)",
    default: () => "off",
  },
  maxQueryDepth: { flag: "--max-query-depth", env: "HOMER_MAX_QUERY_DEPTH", help: "deepest selection nesting", default: () => "12" },
  maxAliases: { flag: "--max-aliases", env: "HOMER_MAX_ALIASES", help: "aliases per operation", default: () => "15" },
  maxTokens: { flag: "--max-tokens", env: "HOMER_MAX_TOKENS", help: "lexical tokens per document", default: () => "5000" },
  maxDirectives: { flag: "--max-directives", env: "HOMER_MAX_DIRECTIVES", help: "directives per operation", default: () => "50" },
  maxQueryCost: { flag: "--max-query-cost", env: "HOMER_MAX_QUERY_COST", help: "estimated cost per operation", default: () => "5000" },
  dbConnectTimeoutMs: {
    flag: "--db-connect-timeout-ms",
    env: "HOMER_DB_CONNECT_TIMEOUT_MS",
    help: "how long start-up waits, retrying with backoff, for PostgreSQL (and an S3 blob store) to accept connections",
    default: () => "60000",
  },
  dbStatementTimeoutMs: {
    flag: "--db-statement-timeout-ms",
    env: "HOMER_DB_STATEMENT_TIMEOUT_MS",
    help: "PostgreSQL statement timeout; a statement still unanswered then fails UNAVAILABLE (0 = none)",
    default: () => "30000",
  },
  dbPreparedStatements: {
    flag: "--db-prepared-statements",
    env: "HOMER_DB_PREPARED_STATEMENTS",
    help: "PostgreSQL: prepare each statement once per connection (false behind PgBouncer in transaction mode before 1.21)",
    default: () => "true",
  },
  maxSubscriptions: {
    flag: "--max-subscriptions",
    env: "HOMER_MAX_SUBSCRIPTIONS",
    help: "open event subscriptions per gateway process; more are refused TOO_MANY_REQUESTS",
    default: () => "10000",
  },
  maxSubscriptionsPerKey: {
    flag: "--max-subscriptions-per-key",
    env: "HOMER_MAX_SUBSCRIPTIONS_PER_KEY",
    help: "open event subscriptions per API key per process (anonymous callers count as one key)",
    default: () => "100",
  },
  subscriptionRecheckMs: {
    flag: "--subscription-recheck-ms",
    env: "HOMER_SUBSCRIPTION_RECHECK_MS",
    help: "how often subscribers' keys are checked again; a revoked key's subscriptions end within this",
    default: () => "5000",
  },
  openModeRecheckMs: {
    flag: "--open-mode-recheck-ms",
    env: "HOMER_OPEN_MODE_RECHECK_MS",
    help: "without API keys (open mode): how long 'no keys exist' is believed; a key created on any replica is required everywhere within this (0: ask the database on every request)",
    default: () => "1000",
  },
  eventPollMs: {
    flag: "--event-poll-ms",
    env: "HOMER_EVENT_POLL_MS",
    help: "SQLite only: how often, while anyone subscribes, to look for events of other processes sharing the file",
    default: () => "200",
  },
  sqliteReaders: {
    flag: "--sqlite-readers",
    env: "HOMER_SQLITE_READERS",
    help: "SQLite only: threads that read listings beside the event loop, each with its own connection and page cache (0: read them on the event loop)",
    default: () => String(DEFAULT_SQLITE_READERS),
  },
  eventRetentionMs: {
    flag: "--event-retention-ms",
    env: "HOMER_EVENT_RETENTION_MS",
    help: "how long events stay in the database's event log (for listeners that reconnect)",
    default: () => "3600000",
  },
  redisUrl: {
    flag: "--redis-url",
    env: "HOMER_REDIS_URL",
    help: "redis://host:port for rate limits shared by replicas (default: PostgreSQL holds them; SQLite: per process)",
    default: () => "",
  },
  metrics: {
    flag: "--metrics",
    env: "HOMER_METRICS",
    help: "serve Prometheus metrics at /metrics (with keys in force: to admin keys or the metrics token)",
    default: () => "true",
  },
  graphqlJit: {
    flag: "--graphql-jit",
    env: "HOMER_GRAPHQL_JIT",
    boolean: true,
    help: "compile operations a client sends repeatedly to JavaScript (graphql-jit); false runs every operation on graphql-js",
    default: () => "true",
  },
  graphqlLane: {
    flag: "--graphql-lane",
    env: "HOMER_GRAPHQL_LANE",
    boolean: true,
    help: "answer plain JSON POSTs to /graphql without express (same guards, same answers); false routes every request through express",
    default: () => "true",
  },
  metricsToken: {
    flag: "--metrics-token",
    env: "HOMER_METRICS_TOKEN",
    help: "bearer token (16+ characters) Prometheus may scrape /metrics with, besides admin keys",
    default: () => "",
  },
  metricsOperations: {
    flag: "--metrics-operations",
    env: "HOMER_METRICS_OPERATIONS",
    help: "comma-separated operation names the metrics label besides Homer's own clients'; every other name is 'other' (default: the first 100 other names)",
    default: () => "",
  },
  development: {
    flag: "--development",
    boolean: true,
    env: "HOMER_DEVELOPMENT",
    help: "show internal error messages to clients (never in production)",
    default: () => "false",
  },
} as const satisfies Record<keyof Config, OptionSpec>;

export class ConfigError extends Error {}

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Parses `1048576`, `512MiB`, `1.5GB` into bytes. */
export function parseSize(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && unit ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new ConfigError(`${what}: expected a positive size such as 1048576 or 512MiB, got "${text}"`);
  }
  return bytes;
}

function parseInteger(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${what}: expected an integer from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

function parsePublicUrl(text: string, what: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${what}: expected an absolute http(s) URL such as https://models.example.com, got "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`${what}: must be http or https, got "${text}"`);
  return text.replace(/\/+$/, "");
}

function parseChoice(text: string, what: string, choices: readonly string[]): string {
  if (!choices.includes(text)) throw new ConfigError(`${what}: expected one of ${choices.join(", ")}, got "${text}"`);
  return text;
}

/**
 * A URL as it may be shown: its user and password (everything before the authority's
 * last `@`, which a password may hold too) masked.
 */
export function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^/?#]*@/, "//***@");
}

function parseRedisUrl(text: string, what: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "redis:" && url.protocol !== "rediss:") || !url.hostname) {
    throw new ConfigError(`${what}: expected redis://host:port (or rediss:// for TLS), got "${withoutCredentials(text)}"`);
  }
  return text;
}

function parseToken(text: string, what: string): string {
  // A bearer token is a header value: printable ASCII without spaces.
  if (!/^[\x21-\x7e]{16,1024}$/.test(text)) throw new ConfigError(`${what}: expected 16 to 1024 printable characters without spaces`);
  return text;
}

/** At most this many names, each of GraphQL's name shape and at most 64 characters (as labels are). */
const MAX_LISTED_OPERATIONS = 1000;

function parseOperationNames(text: string, what: string): readonly string[] {
  const names = [
    ...new Set(
      text
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ];
  const bad = names.find((n) => !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(n));
  if (bad !== undefined) throw new ConfigError(`${what}: "${bad}" is not an operation name (letters, digits, _; at most 64 characters)`);
  if (names.length > MAX_LISTED_OPERATIONS) throw new ConfigError(`${what}: at most ${MAX_LISTED_OPERATIONS} names, got ${names.length}`);
  return Object.freeze(names);
}

function parseBoolean(text: string, what: string): boolean {
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off|)$/i.test(text)) return false;
  throw new ConfigError(`${what}: expected true or false, got "${text}"`);
}

/** `parseArgs` options and the config key of each, both derived from `OPTIONS`. */
const FLAGS: readonly { key: string; name: string; spec: OptionSpec }[] = Object.entries(OPTIONS).map(([key, spec]) => ({
  key,
  name: spec.flag.slice(2),
  spec,
}));
const PARSE_OPTIONS = Object.fromEntries(FLAGS.map(({ name, spec }) => [name, { type: spec.boolean ? "boolean" : "string" }] as const));

/**
 * The flags in `argv`, by config key, as text. `parseArgs` splits them; it runs
 * non-strict so that a switch also takes `--insecure=false` and every refusal
 * keeps this module's wording.
 */
function flagValues(argv: readonly string[]): Record<string, string> {
  const { tokens } = parseArgs({ args: [...argv], options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const found: Record<string, string> = {};
  for (const token of tokens) {
    const raw = token.kind === "option" ? token.rawName : token.kind === "positional" ? token.value : "--";
    const flag = token.kind === "option" ? FLAGS.find((f) => f.spec.flag === raw) : undefined;
    if (!flag || token.kind !== "option") throw new ConfigError(`unknown option ${raw} (see --help)`);
    if (flag.spec.boolean) found[flag.key] = token.value ?? "true";
    else if (token.value === undefined) throw new ConfigError(`${raw} needs a value`);
    else found[flag.key] = token.value;
  }
  return found;
}

/** Flags win over the environment, which wins over defaults. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const raw: Record<string, string> = {};
  for (const [key, spec] of Object.entries(OPTIONS)) {
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== "") raw[key] = fromEnv;
  }
  Object.assign(raw, flagValues(argv));
  for (const [key, spec] of Object.entries(OPTIONS)) {
    if (raw[key] === undefined) raw[key] = spec.default(raw);
  }
  const name = (key: keyof Config) => `${OPTIONS[key].flag} / ${OPTIONS[key].env}`;
  return Object.freeze({
    port: parseInteger(raw.port!, name("port"), 0, 65535),
    host: raw.host!,
    dataDir: path.resolve(raw.dataDir!),
    databaseUrl: raw.databaseUrl!,
    blobUrl: raw.blobUrl!,
    s3ForcePathStyle: raw.s3ForcePathStyle === "auto" ? undefined : parseBoolean(raw.s3ForcePathStyle!, name("s3ForcePathStyle")),
    blobRedirect: parseBoolean(raw.blobRedirect!, name("blobRedirect")),
    blobRedirectExpirySeconds: parseInteger(raw.blobRedirectExpirySeconds!, name("blobRedirectExpirySeconds"), 1, 604_800),
    publicUrl: raw.publicUrl ? parsePublicUrl(raw.publicUrl, name("publicUrl")) : undefined,
    maxFileSize: parseSize(raw.maxFileSize!, name("maxFileSize")),
    maxFiles: parseInteger(raw.maxFiles!, name("maxFiles"), 1, 1_000_000),
    maxInputExampleBytes: parseSize(raw.maxInputExampleBytes!, name("maxInputExampleBytes")),
    maxFlavorsBytes: parseSize(raw.maxFlavorsBytes!, name("maxFlavorsBytes")),
    maxBodyBytes: parseSize(raw.maxBodyBytes!, name("maxBodyBytes")),
    maxAnswerChars: parseSize(raw.maxAnswerChars!, name("maxAnswerChars")),
    shutdownGraceMs: parseInteger(raw.shutdownGraceMs!, name("shutdownGraceMs"), 0, 3_600_000),
    headersTimeoutMs: parseInteger(raw.headersTimeoutMs!, name("headersTimeoutMs"), 100, 600_000),
    idleTimeoutMs: parseInteger(raw.idleTimeoutMs!, name("idleTimeoutMs"), 100, 3_600_000),
    maxConnections: parseInteger(raw.maxConnections!, name("maxConnections"), 1, 1_000_000),
    maxConnectionsPerAddress: parseInteger(raw.maxConnectionsPerAddress!, name("maxConnectionsPerAddress"), 1, 1_000_000),
    logLevel: parseChoice(raw.logLevel!, name("logLevel"), ["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    development: parseBoolean(raw.development!, name("development")),
    insecure: parseBoolean(raw.insecure!, name("insecure")),
    adminKey: raw.adminKey || undefined,
    corsOrigins: raw
      .corsOrigins!.split(",")
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter(Boolean),
    introspection: parseBoolean(raw.introspection!, name("introspection")),
    ide: parseBoolean(raw.ide!, name("ide")),
    rateLimit: parseInteger(raw.rateLimit!, name("rateLimit"), 0, 1_000_000),
    authFailureLimit: parseInteger(raw.authFailureLimit!, name("authFailureLimit"), 0, 1_000_000),
    trustProxy: parseTrustProxy(raw.trustProxy!, (problem) => new ConfigError(`${name("trustProxy")}: ${problem}`)),
    maxQueryDepth: parseInteger(raw.maxQueryDepth!, name("maxQueryDepth"), 1, 1000),
    maxAliases: parseInteger(raw.maxAliases!, name("maxAliases"), 0, 10_000),
    maxTokens: parseInteger(raw.maxTokens!, name("maxTokens"), 10, 1_000_000),
    maxDirectives: parseInteger(raw.maxDirectives!, name("maxDirectives"), 0, 10_000),
    maxQueryCost: parseInteger(raw.maxQueryCost!, name("maxQueryCost"), 1, 10_000_000),
    dbConnectTimeoutMs: parseInteger(raw.dbConnectTimeoutMs!, name("dbConnectTimeoutMs"), 0, 3_600_000),
    dbStatementTimeoutMs: parseInteger(raw.dbStatementTimeoutMs!, name("dbStatementTimeoutMs"), 0, 3_600_000),
    dbPreparedStatements: parseBoolean(raw.dbPreparedStatements!, name("dbPreparedStatements")),
    maxSubscriptions: parseInteger(raw.maxSubscriptions!, name("maxSubscriptions"), 0, 1_000_000),
    maxSubscriptionsPerKey: parseInteger(raw.maxSubscriptionsPerKey!, name("maxSubscriptionsPerKey"), 0, 1_000_000),
    subscriptionRecheckMs: parseInteger(raw.subscriptionRecheckMs!, name("subscriptionRecheckMs"), 100, 3_600_000),
    openModeRecheckMs: parseInteger(raw.openModeRecheckMs!, name("openModeRecheckMs"), 0, 10_000),
    eventPollMs: parseInteger(raw.eventPollMs!, name("eventPollMs"), 10, 60_000),
    sqliteReaders: parseInteger(raw.sqliteReaders!, name("sqliteReaders"), 0, 64),
    eventRetentionMs: parseInteger(raw.eventRetentionMs!, name("eventRetentionMs"), 60_000, 30 * 86_400_000),
    redisUrl: raw.redisUrl ? parseRedisUrl(raw.redisUrl, name("redisUrl")) : undefined,
    metrics: parseBoolean(raw.metrics!, name("metrics")),
    graphqlJit: parseBoolean(raw.graphqlJit!, name("graphqlJit")),
    graphqlLane: parseBoolean(raw.graphqlLane!, name("graphqlLane")),
    metricsToken: raw.metricsToken ? parseToken(raw.metricsToken, name("metricsToken")) : undefined,
    metricsOperations: raw.metricsOperations ? parseOperationNames(raw.metricsOperations, name("metricsOperations")) : undefined,
  });
}

/** The text of `--help`, generated from the same table as the parser. */
export function helpText(): string {
  const lefts = Object.values(OPTIONS).map((spec) => `  ${spec.flag}${(spec as OptionSpec).boolean ? "" : " <value>"}`);
  // The help column starts after the longest flag, so no flag runs into its text.
  const width = Math.max(...lefts.map((left) => left.length)) + 2;
  const rows = Object.values(OPTIONS).map((spec, i) => {
    const fallback = spec.default({});
    return `${lefts[i]!.padEnd(width)}${spec.help}\n${" ".repeat(width)}env ${spec.env}${fallback ? `, default ${fallback}` : ""}`;
  });
  return [
    "Usage: npm start -- [options]      (or: node gateway/dist/main.js [options])",
    "",
    "Serves the Homer model registry's GraphQL API at http://HOST:PORT/graphql.",
    "Flags override environment variables.",
    "",
    "Subcommands (same options):",
    "  check-blobs [--json]   list the versions whose files the blob store lacks, then exit (check-blobs --help)",
    "",
    "Options:",
    ...rows,
    `${"  --help".padEnd(width)}print this text`,
    "",
  ].join("\n");
}
