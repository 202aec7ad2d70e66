export { createMetrics, type Metrics, type PoolCounts, type ResolvedOperation, type RouteLabel } from "./metrics.js";
export { MAX_OPERATION_NAMES, operationLabels, outcomeLabel } from "./operation-label.js";
