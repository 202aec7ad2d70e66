import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { operationLabels, outcomeLabel } from "./operation-label.js";

/** Seconds; uploads of large models take minutes. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Which part of the gateway answered an HTTP request: a fixed set, never a path. */
export type RouteLabel = "graphql" | "files" | "archives" | "health" | "metrics" | "other";

/** The operation a GraphQL request resolved to (graphql's OperationDefinitionNode). */
export interface ResolvedOperation {
  readonly name?: { readonly value: string };
  readonly operation: "query" | "mutation" | "subscription";
}

/** The connections of a database pool (PostgreSQL's; SQLite has none). */
export interface PoolCounts {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/**
 * The gateway's Prometheus metrics, one registry per gateway. Every label value
 * comes from a fixed set or from `operationLabels` (bounded): nothing a client
 * sends becomes a label as it is.
 */
export interface Metrics {
  readonly registry: Registry;
  /** A GraphQL operation answered (Apollo's view: after parsing, with its type and outcome). */
  graphqlOperation(operation: ResolvedOperation | undefined, errors: Parameters<typeof outcomeLabel>[0], seconds: number): void;
  /** An HTTP request answered, by route and status. */
  httpRequest(route: RouteLabel, status: number, seconds: number): void;
  /** Bytes of file and archive downloads sent. */
  downloadBytes(route: "files" | "archives", bytes: number): void;
  /** A multipart upload began receiving; call the returned function once when it is answered. */
  uploadStarted(): () => void;
  /** Bytes of multipart upload bodies received. */
  uploadBytes(bytes: number): void;
  /** The text a scrape gets, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsSources {
  readonly poolStats?: () => PoolCounts;
  /** Live event subscriptions in this process, read at each scrape. */
  readonly subscribers?: () => number;
  /** The operation names labelled besides the clients' (`HOMER_METRICS_OPERATIONS`); see `operationLabels`. */
  readonly operations?: readonly string[];
}

export function createMetrics(options: MetricsSources = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const operationLabel = operationLabels({ operations: options.operations });

  const operationLabelNames = ["operation", "type", "outcome"] as const;
  const operations = new Counter({
    name: "homer_graphql_operations_total",
    help: "GraphQL operations answered, by operation name (bounded), type and outcome (ok or error code)",
    labelNames: operationLabelNames,
    registers: [registry],
  });
  const operationSeconds = new Histogram({
    name: "homer_graphql_operation_duration_seconds",
    help: "Time to answer a GraphQL operation, by operation name (bounded), type and outcome",
    labelNames: operationLabelNames,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: "homer_http_requests_total",
    help: "HTTP requests answered, by route (graphql, files, archives, health, metrics, other) and status (499: the client left first)",
    labelNames: ["route", "status"] as const,
    registers: [registry],
  });
  const httpSeconds = new Histogram({
    name: "homer_http_request_duration_seconds",
    help: "Time from an HTTP request's arrival to its answer's end, by route",
    labelNames: ["route"] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const downloaded = new Counter({
    name: "homer_download_bytes_total",
    help: "Bytes sent by file and archive downloads",
    labelNames: ["route"] as const,
    registers: [registry],
  });
  const uploadsInFlight = new Gauge({
    name: "homer_uploads_in_flight",
    help: "Multipart uploads being received or registered now",
    registers: [registry],
  });
  const uploaded = new Counter({
    name: "homer_upload_bytes_total",
    help: "Bytes of multipart upload bodies received",
    registers: [registry],
  });
  const { subscribers } = options;
  new Gauge({
    name: "homer_event_subscribers",
    help: "Live modelEvents subscriptions in this process",
    registers: [registry],
    collect() {
      this.set(subscribers?.() ?? 0);
    },
  });
  const { poolStats } = options;
  if (poolStats) {
    new Gauge({
      name: "homer_db_pool_connections",
      help: "PostgreSQL pool connections: total open, idle, and requests waiting for one",
      labelNames: ["state"] as const,
      registers: [registry],
      collect() {
        const stats = poolStats();
        this.set({ state: "total" }, stats.total);
        this.set({ state: "idle" }, stats.idle);
        this.set({ state: "waiting" }, stats.waiting);
      },
    });
  }

  return {
    registry,
    graphqlOperation(operation, errors, seconds) {
      const labels = { operation: operationLabel(operation), type: operation?.operation ?? "unknown", outcome: outcomeLabel(errors) };
      operations.inc(labels);
      operationSeconds.observe(labels, seconds);
    },
    httpRequest(route, status, seconds) {
      httpRequests.inc({ route, status: Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : "other" });
      httpSeconds.observe({ route }, seconds);
    },
    downloadBytes(route, bytes) {
      downloaded.inc({ route }, bytes);
    },
    uploadStarted() {
      uploadsInFlight.inc();
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        uploadsInFlight.dec();
      };
    },
    uploadBytes(bytes) {
      uploaded.inc(bytes);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
