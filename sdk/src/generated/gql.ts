/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment ModelFields on Model {\n  id\n  project\n  name\n  version\n  description\n  framework\n  metrics {\n    key\n    value\n  }\n  signature {\n    inputs {\n      name\n      type\n      shape\n    }\n    outputs {\n      name\n      type\n      shape\n    }\n  }\n  inputExample\n  tags\n  files {\n    path\n    sizeBytes\n    sha256\n    downloadUrl\n  }\n  archiveUrl\n  sizeBytes\n  status\n  createdAt\n  createdBy\n}\n\nquery GetModel($name: String!, $version: Int!, $project: String) {\n  model(name: $name, version: $version, project: $project) {\n    ...ModelFields\n  }\n}\n\nquery ListModels($name: String!, $sortKey: String, $direction: SortDirection, $project: String, $first: Int, $after: String) {\n  models(\n    name: $name\n    sortKey: $sortKey\n    direction: $direction\n    project: $project\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    nodes {\n      ...ModelFields\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery BestModel($name: String!, $metric: String!, $direction: SortDirection, $project: String) {\n  bestModel(\n    name: $name\n    metric: $metric\n    direction: $direction\n    project: $project\n  ) {\n    ...ModelFields\n  }\n}\n\nmutation CreateModel($input: CreateModelInput!) {\n  createModel(input: $input) {\n    ...ModelFields\n  }\n}\n\nmutation DeleteModel($name: String!, $version: Int!, $project: String) {\n  deleteModel(name: $name, version: $version, project: $project)\n}": typeof types.ModelFieldsFragmentDoc,
};
const documents: Documents = {
    "fragment ModelFields on Model {\n  id\n  project\n  name\n  version\n  description\n  framework\n  metrics {\n    key\n    value\n  }\n  signature {\n    inputs {\n      name\n      type\n      shape\n    }\n    outputs {\n      name\n      type\n      shape\n    }\n  }\n  inputExample\n  tags\n  files {\n    path\n    sizeBytes\n    sha256\n    downloadUrl\n  }\n  archiveUrl\n  sizeBytes\n  status\n  createdAt\n  createdBy\n}\n\nquery GetModel($name: String!, $version: Int!, $project: String) {\n  model(name: $name, version: $version, project: $project) {\n    ...ModelFields\n  }\n}\n\nquery ListModels($name: String!, $sortKey: String, $direction: SortDirection, $project: String, $first: Int, $after: String) {\n  models(\n    name: $name\n    sortKey: $sortKey\n    direction: $direction\n    project: $project\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    nodes {\n      ...ModelFields\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery BestModel($name: String!, $metric: String!, $direction: SortDirection, $project: String) {\n  bestModel(\n    name: $name\n    metric: $metric\n    direction: $direction\n    project: $project\n  ) {\n    ...ModelFields\n  }\n}\n\nmutation CreateModel($input: CreateModelInput!) {\n  createModel(input: $input) {\n    ...ModelFields\n  }\n}\n\nmutation DeleteModel($name: String!, $version: Int!, $project: String) {\n  deleteModel(name: $name, version: $version, project: $project)\n}": types.ModelFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ModelFields on Model {\n  id\n  project\n  name\n  version\n  description\n  framework\n  metrics {\n    key\n    value\n  }\n  signature {\n    inputs {\n      name\n      type\n      shape\n    }\n    outputs {\n      name\n      type\n      shape\n    }\n  }\n  inputExample\n  tags\n  files {\n    path\n    sizeBytes\n    sha256\n    downloadUrl\n  }\n  archiveUrl\n  sizeBytes\n  status\n  createdAt\n  createdBy\n}\n\nquery GetModel($name: String!, $version: Int!, $project: String) {\n  model(name: $name, version: $version, project: $project) {\n    ...ModelFields\n  }\n}\n\nquery ListModels($name: String!, $sortKey: String, $direction: SortDirection, $project: String, $first: Int, $after: String) {\n  models(\n    name: $name\n    sortKey: $sortKey\n    direction: $direction\n    project: $project\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    nodes {\n      ...ModelFields\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery BestModel($name: String!, $metric: String!, $direction: SortDirection, $project: String) {\n  bestModel(\n    name: $name\n    metric: $metric\n    direction: $direction\n    project: $project\n  ) {\n    ...ModelFields\n  }\n}\n\nmutation CreateModel($input: CreateModelInput!) {\n  createModel(input: $input) {\n    ...ModelFields\n  }\n}\n\nmutation DeleteModel($name: String!, $version: Int!, $project: String) {\n  deleteModel(name: $name, version: $version, project: $project)\n}"): (typeof documents)["fragment ModelFields on Model {\n  id\n  project\n  name\n  version\n  description\n  framework\n  metrics {\n    key\n    value\n  }\n  signature {\n    inputs {\n      name\n      type\n      shape\n    }\n    outputs {\n      name\n      type\n      shape\n    }\n  }\n  inputExample\n  tags\n  files {\n    path\n    sizeBytes\n    sha256\n    downloadUrl\n  }\n  archiveUrl\n  sizeBytes\n  status\n  createdAt\n  createdBy\n}\n\nquery GetModel($name: String!, $version: Int!, $project: String) {\n  model(name: $name, version: $version, project: $project) {\n    ...ModelFields\n  }\n}\n\nquery ListModels($name: String!, $sortKey: String, $direction: SortDirection, $project: String, $first: Int, $after: String) {\n  models(\n    name: $name\n    sortKey: $sortKey\n    direction: $direction\n    project: $project\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    nodes {\n      ...ModelFields\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery BestModel($name: String!, $metric: String!, $direction: SortDirection, $project: String) {\n  bestModel(\n    name: $name\n    metric: $metric\n    direction: $direction\n    project: $project\n  ) {\n    ...ModelFields\n  }\n}\n\nmutation CreateModel($input: CreateModelInput!) {\n  createModel(input: $input) {\n    ...ModelFields\n  }\n}\n\nmutation DeleteModel($name: String!, $version: Int!, $project: String) {\n  deleteModel(name: $name, version: $version, project: $project)\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;