/**
 * The operation names the project's own clients send: the SDK's documents
 * (sdk/src/operations/*.graphql, which the CLI uses too) and the web app's
 * (web/src/graphql/*.graphql). The gateway must not import the SDK, so they are
 * listed here; test/metrics-operations.test.ts fails when a document's name is
 * missing or a name here is no document's.
 */
export const CLIENT_OPERATION_NAMES: readonly string[] = Object.freeze([
  "BestModel",
  "CreateApiKey",
  "CreateModel",
  "CreateProject",
  "DeleteModel",
  "DerivedModels",
  "DownloadTicket",
  "GatewayVersion",
  "GetModel",
  "GetModelByAlias",
  "GetModelCard",
  "ListApiKeys",
  "ListModelFamilies",
  "ListModelFamiliesWithBest",
  "ListModels",
  "ListProjects",
  "MetricSeries",
  "ModelAliases",
  "ModelByAlias",
  "ModelEvents",
  "ModelFamilies",
  "ModelFamiliesWithBest",
  "ModelForCompare",
  "ModelVersion",
  "ModelVersions",
  "Projects",
  "ProtectAlias",
  "RemoveAlias",
  "RevokeApiKey",
  "SetAlias",
  "UpdateModel",
  "WatchModels",
]);
