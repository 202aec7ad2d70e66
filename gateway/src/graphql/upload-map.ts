import {
  getNullableType,
  isInputObjectType,
  isListType,
  Kind,
  parse,
  typeFromAST,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { MAX_CACHED_QUERY_CHARS, RecentMap } from "./recent-map.js";
import { GraphQLUpload, Upload } from "graphql-upload-minimal";
import { BadInputError, PayloadTooLargeError } from "../domain/errors.js";
import { quote } from "../domain/text.js";

/** How much of the multipart `map` is accepted. */
export interface UploadMapLimits {
  /** Entries in the map; also the bound on every list index a path may name. */
  readonly maxFiles: number;
  /** The same token cap Apollo parses the operation with. */
  readonly maxTokens: number;
}

/** Longer than any path into CreateModelInput, far shorter than a hostile one. */
const MAX_PATH_CHARS = 512;
const MAX_SEGMENTS = 16;
const MAX_KEY_CHARS = 100;
/** Canonical decimal: no sign, no leading zero, no exponent, no space. */
const INDEX = /^(?:0|[1-9][0-9]{0,8})$/;
const UNSAFE_SEGMENTS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

type Container = Record<string, unknown> | unknown[];

interface Placement {
  readonly fileKey: string;
  readonly container: Container;
  readonly slot: string | number;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function refuse(why: string): never {
  throw new BadInputError(`multipart map: ${why}`, "map");
}

/** Parsed upload documents kept, at most (each of at most MAX_CACHED_QUERY_CHARS). */
const MAX_CACHED_DOCUMENTS = 64;
/** Query text to its parsed document (uploads repeat a few mutations). */
const documents = new RecentMap<string, { readonly maxTokens: number; readonly document: DocumentNode }>(MAX_CACHED_DOCUMENTS);

/** `query` parsed (only read, never changed, so shared between requests), or the refusal. */
function parseUploadDocument(query: string, maxTokens: number): DocumentNode {
  const cached = documents.get(query);
  if (cached?.maxTokens === maxTokens) return cached.document;
  let document;
  try {
    document = parse(query, { maxTokens, noLocation: true });
  } catch {
    refuse("files can only be placed in an operation that parses");
  }
  if (query.length <= MAX_CACHED_QUERY_CHARS) documents.set(query, { maxTokens, document });
  return document;
}

/** The operation Apollo will run: the named one, or the only one. */
function selectOperation(operations: Record<string, unknown>, maxTokens: number): OperationDefinitionNode {
  if (typeof operations.query !== "string") refuse("the operations field has no query");
  const document = parseUploadDocument(operations.query, maxTokens);
  const candidates = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const name = operations.operationName;
  const selected = typeof name === "string" ? candidates.filter((d) => d.name?.value === name) : candidates;
  if (selected.length !== 1) refuse("files can only be placed in exactly one selected operation");
  return selected[0]!;
}

/** Follows `path` through declared variable types and the values in `variables`. */
function resolvePath(
  path: string,
  variables: Record<string, unknown>,
  declared: ReadonlyMap<string, GraphQLInputType>,
  maxFiles: number,
): { container: Container; slot: string | number } {
  const at = (why: string): never => refuse(`path ${quote(path, 60)} ${why}`);
  if (path.length > MAX_PATH_CHARS) at(`is longer than ${MAX_PATH_CHARS} characters`);
  const segments = path.split(".");
  if (segments.length > MAX_SEGMENTS) at(`has more than ${MAX_SEGMENTS} segments`);
  if (segments.some((s) => UNSAFE_SEGMENTS.has(s))) at("names an object's internals");
  const [root, variable, ...rest] = segments;
  if (root !== "variables" || variable === undefined) at("must start with variables.<name>");
  let type = declared.get(variable!);
  if (!type) at(`names a variable the operation does not declare`);
  let container: Container = variables;
  let slot: string | number = variable!;
  for (const segment of rest) {
    const value: unknown = Object.hasOwn(container, slot) ? (container as Record<string | number, unknown>)[slot] : undefined;
    const nullable = getNullableType(type!);
    if (isListType(nullable)) {
      if (!INDEX.test(segment) || Number(segment) >= maxFiles) at(`needs a list index from 0 to ${maxFiles - 1}, not ${quote(segment)}`);
      const index = Number(segment);
      if (!Array.isArray(value) || index >= value.length) at("names a list entry the operation does not have");
      container = value as unknown[];
      slot = index;
      type = nullable.ofType;
    } else if (isInputObjectType(nullable)) {
      const field = Object.hasOwn(nullable.getFields(), segment) ? nullable.getFields()[segment] : undefined;
      if (!field) at(`names ${quote(segment)}, which is not a field of ${nullable.name}`);
      if (!isPlainObject(value)) at(`names a field of an object the operation does not have`);
      container = value as Record<string, unknown>;
      slot = segment;
      type = field!.type;
    } else {
      at(`goes inside a value of type ${String(nullable)}, which cannot hold a file`);
    }
  }
  if (getNullableType(type!) !== GraphQLUpload) at(`points at a value of type ${String(type)}, not Upload`);
  const current: unknown = Object.hasOwn(container, slot) ? (container as Record<string | number, unknown>)[slot] : null;
  if (current !== null) at("points at a value that is not null");
  return { container, slot };
}

/**
 * Checks a multipart request's `map` against its operation and, only when every
 * entry passes, puts one `Upload` where each names. A path must lead, through
 * fields and list indices present in `operations`, to a `null` of type `Upload`
 * in a variable the operation declares; each file goes to exactly one path and
 * no path takes two files. Anything else is refused before a value is written,
 * so a path can neither reach a JSON scalar nor grow an array.
 *
 * @returns the placed uploads by file part name
 */
export function placeUploads(operations: unknown, map: unknown, schema: GraphQLSchema, limits: UploadMapLimits): Map<string, Upload> {
  if (!isPlainObject(map)) refuse("it must be a JSON object of file part names to paths");
  const entries = Object.entries(map);
  if (entries.length > limits.maxFiles) throw new PayloadTooLargeError(`multipart map names more than ${limits.maxFiles} files`);
  const uploads = new Map<string, Upload>();
  if (entries.length === 0) return uploads;
  if (!isPlainObject(operations)) refuse("files can only be placed in a single operation, not a batch");
  const variables = operations.variables;
  if (!isPlainObject(variables)) refuse("files can only be placed in the operation's variables");
  const operation = selectOperation(operations, limits.maxTokens);
  const declared = new Map<string, GraphQLInputType>();
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (type) declared.set(definition.variable.name.value, type);
  }

  const placements: Placement[] = [];
  const targets = new Set<string>();
  for (const [fileKey, paths] of entries) {
    if (fileKey.length === 0 || fileKey.length > MAX_KEY_CHARS) refuse(`a file part name must be 1 to ${MAX_KEY_CHARS} characters`);
    if (fileKey === "operations" || fileKey === "map") refuse(`${quote(fileKey)} cannot name a file part`);
    if (!Array.isArray(paths) || paths.length !== 1 || typeof paths[0] !== "string") {
      refuse(`file ${quote(fileKey)} must map to exactly one path (send a file once for each place it goes)`);
    }
    const path = paths[0];
    if (targets.has(path)) refuse(`two files map to ${quote(path, 60)}`);
    targets.add(path);
    placements.push({ fileKey, ...resolvePath(path, variables, declared, limits.maxFiles) });
  }
  for (const { fileKey, container, slot } of placements) {
    const upload = new Upload();
    uploads.set(fileKey, upload);
    (container as Record<string | number, unknown>)[slot] = upload;
  }
  return uploads;
}
