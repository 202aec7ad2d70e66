// @ts-check
/**
 * The one builder of GraphQL multipart request bodies (`multipart/form-data`, the
 * graphql-multipart-request-spec), shared by the tests and by `bench/`: plain
 * JavaScript with JSDoc types, so `node bench/*.mjs` imports it as is and the
 * test compiler checks it. Bodies are written by hand, so a test can also make
 * them malformed on purpose (`close: false`, a wrong boundary, cut bytes).
 */
import { randomBytes } from "node:crypto";

/**
 * One form field; a file part when it has a `filename`.
 * @typedef {{ readonly name: string; readonly value: string | Buffer; readonly filename?: string }} Part
 */

/** The createModel mutation most uploads send, asking back only the version. */
export const CREATE_MODEL = "mutation($input: CreateModelInput!) { createModel(input: $input) { version } }";

/** The Content-Type every file part carries. */
export const FILE_TYPE = "application/octet-stream";

/**
 * A fresh boundary, `----homer-<prefix>-<16 hex>`.
 * @param {string} [prefix]
 * @returns {string}
 */
export function randomBoundary(prefix = "test") {
  return `----homer-${prefix}-${randomBytes(8).toString("hex")}`;
}

/**
 * The `Content-Type` header of a body with `boundary`.
 * @param {string} boundary
 * @returns {string}
 */
export function multipartType(boundary) {
  return `multipart/form-data; boundary=${boundary}`;
}

/**
 * The delimiter line and headers that open `part` (its value follows).
 * @param {string} boundary
 * @param {Omit<Part, "value">} part
 * @returns {Buffer}
 */
export function partHead(boundary, part) {
  const disposition = `form-data; name="${part.name}"${part.filename === undefined ? "" : `; filename="${part.filename}"`}`;
  const type = part.filename === undefined ? "" : `Content-Type: ${FILE_TYPE}\r\n`;
  return Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`);
}

/**
 * What follows the last part's value: its line break and the closing delimiter.
 * @param {string} boundary
 * @returns {Buffer}
 */
export function bodyTail(boundary) {
  return Buffer.from(`\r\n--${boundary}--\r\n`);
}

/**
 * A whole body of `parts`; `close: false` leaves out the closing delimiter.
 * @param {readonly Part[]} parts
 * @param {string} boundary
 * @param {{ close?: boolean }} [options]
 * @returns {Buffer}
 */
export function multipartBody(parts, boundary, options = {}) {
  /** @type {Buffer[]} */
  const chunks = [];
  for (const part of parts) chunks.push(partHead(boundary, part), Buffer.from(part.value), Buffer.from("\r\n"));
  if (options.close !== false) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/**
 * The `operations` and `map` parts of a createModel upload: `input` gets one
 * `files` entry per path, and the map names file part `i` for entry `i`.
 * @param {string} query
 * @param {Record<string, unknown>} input
 * @param {readonly string[]} paths
 * @returns {Part[]}
 */
export function createModelFields(query, input, paths) {
  const operations = { query, variables: { input: { ...input, files: paths.map((path) => ({ path, file: null })) } } };
  const map = Object.fromEntries(paths.map((_, i) => [String(i), [`variables.input.files.${i}.file`]]));
  return [
    { name: "operations", value: JSON.stringify(operations) },
    { name: "map", value: JSON.stringify(map) },
  ];
}

/**
 * The parts of a createModel upload of `files` ([path, content]); file part `i`
 * is named `i` with filename `file<i>`.
 * @param {string} query
 * @param {Record<string, unknown>} input
 * @param {readonly (readonly [string, string | Buffer])[]} files
 * @returns {Part[]}
 */
export function createModelParts(query, input, files) {
  return [
    ...createModelFields(
      query,
      input,
      files.map(([path]) => path),
    ),
    ...files.map(([, value], i) => ({ name: String(i), value, filename: `file${i}` })),
  ];
}

/**
 * A createModel upload of one file whose bytes the caller streams: send `head`,
 * then the file's bytes, then `tail`. The file part's filename is its path
 * unless `filename` says otherwise.
 * @param {string} query
 * @param {Record<string, unknown>} input
 * @param {string} path
 * @param {{ boundary?: string; filename?: string }} [options]
 * @returns {{ boundary: string; contentType: string; head: Buffer; tail: Buffer }}
 */
export function streamedCreateModel(query, input, path, options = {}) {
  const boundary = options.boundary ?? randomBoundary();
  const head = Buffer.concat([
    multipartBody(createModelFields(query, input, [path]), boundary, { close: false }),
    partHead(boundary, { name: "0", filename: options.filename ?? path }),
  ]);
  return { boundary, contentType: multipartType(boundary), head, tail: bodyTail(boundary) };
}
