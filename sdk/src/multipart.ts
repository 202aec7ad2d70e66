import { stringifyDocument } from "@urql/core";
import { fromGraphQLErrors, RegistryError, transportError, type GraphQLErrorBody } from "./errors.js";
import { CreateModelDocument, type CreateModelInput } from "./generated/graphql.js";
import type { ModelData } from "./types.js";

/**
 * The text of one createModel request per the GraphQL multipart request spec:
 * `operations`, `map`, then one part per file, in that order. Both transports
 * (Node's streaming http.request, the browser's XMLHttpRequest) frame the same
 * bytes from it; only the file contents come from different places.
 */
export interface MultipartFrame {
  readonly contentType: string;
  /** The `operations` and `map` fields. */
  readonly head: string;
  /** What opens file part `i` (its bytes follow, then `fileEnd`). */
  fileHead(i: number): string;
  readonly fileEnd: string;
  readonly tail: string;
}

export function createModelFrame(boundary: string, input: Omit<CreateModelInput, "files">, paths: readonly string[]): MultipartFrame {
  const operations = JSON.stringify({
    query: stringifyDocument(CreateModelDocument),
    variables: { input: { ...input, files: paths.map((path) => ({ path, file: null })) } },
  });
  const map = JSON.stringify(Object.fromEntries(paths.map((_, i) => [String(i), [`variables.input.files.${i}.file`]])));
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    head: field("operations", operations) + field("map", map),
    // The part's filename is informational (the path travels in `operations`); keep it header-safe.
    fileHead: (i) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${i}"; filename="file${i}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    fileEnd: "\r\n",
    tail: `--${boundary}--\r\n`,
  };
}

/** A boundary no file's bytes are likely to hold: `----homer-` and 24 random hex digits. */
export function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `----homer-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The registry's answer to a createModel upload, whichever transport carried it. */
export function parseCreateResponse({ status, body }: { status: number; body: string }): ModelData {
  let json: { data?: { createModel?: ModelData } | null; errors?: GraphQLErrorBody[] };
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    throw transportError("createModel", `the registry answered HTTP ${status}: ${body.slice(0, 200)}`, { status });
  }
  const fromServer = fromGraphQLErrors(json.errors, "createModel", { status });
  if (fromServer) throw fromServer;
  if (!json.data?.createModel)
    throw new RegistryError("INTERNAL_SERVER_ERROR", `createModel: the registry sent no data (HTTP ${status})`, { status });
  return json.data.createModel;
}
