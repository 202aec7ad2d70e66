export { createMetrics, type Metrics, type PoolCounts, type ResolvedOperation, type RouteLabel } from "./metrics.js";
export { CLIENT_OPERATION_NAMES } from "./client-operations.js";
export { MAX_OPERATION_NAMES, operationLabels, outcomeLabel, type OperationLabelOptions } from "./operation-label.js";
