import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import busboy from "busboy";
import type { RequestHandler } from "express";
import type { GraphQLSchema } from "graphql";
import type { FileUpload, Upload } from "graphql-upload-minimal";
import { BadInputError, DomainError, fileTooLarge, PayloadTooLargeError } from "../domain/errors.js";
import { toDomainError } from "../http/error-map.js";
import { placeUploads } from "./upload-map.js";
import { SiblingFileFailed } from "../registry/incoming-file.js";
import { quote } from "../domain/text.js";
import type { Metrics } from "../metrics/index.js";
import { youngBuffers } from "../http/young-buffers.js";

/** Limits of one multipart request; `maxTokens` is the one Apollo parses operations with. */
export interface MultipartOptions {
  readonly maxFieldSize: number;
  readonly maxFileSize: number;
  readonly maxFiles: number;
  readonly maxTokens: number;
  /** Told when an upload starts (and, through the returned function, ends) and of the bytes received. */
  readonly metrics?: Pick<Metrics, "uploadStarted" | "uploadBytes">;
}

/** The parts of graphql-upload-minimal's Upload its type declarations leave out. */
type SettledUpload = Upload & { resolve(file: FileUpload): void; reject(error: unknown): void };

const SPEC = "see https://github.com/jaydenseric/graphql-multipart-request-spec";

/** A part whose Content-Disposition names no field (busboy hands it on with an undefined name). */
const unnamedPart = (kind: "field" | "file") =>
  new BadInputError(`a multipart ${kind} part has no name: each part needs Content-Disposition: form-data; name="…" (${SPEC})`);

/** Any failure of the parser is the client's malformed request, unless it is already typed. */
function malformed(error: unknown): DomainError {
  const domain = toDomainError(error);
  if (domain) return domain;
  return new BadInputError(`malformed multipart request: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Parses a GraphQL multipart request (the spec graphql-upload-minimal follows,
 * with its `Upload` scalar and class) into `req.body`. It differs from that
 * library's own parser in one place: the `map` is checked against the operation
 * by `placeUploads` before any file is placed, because the library writes each
 * path into the operation as given, letting a ~600-byte request plant a file in
 * a JSON scalar or at index 2·10⁸ of an array. It also refuses file parts the
 * map does not name, and answers with domain errors.
 */
export function graphqlMultipart(schema: GraphQLSchema, options: MultipartOptions): RequestHandler {
  return (req, res, next) => {
    if (!req.is("multipart/form-data")) return next();
    readMultipart(req, res, schema, options).then(
      (body) => {
        req.body = body;
        next();
      },
      (error) => next(error),
    );
  };
}

/**
 * `graphqlMultipart` without express: the operation (with its uploads placed) once
 * the `map` has arrived, or the domain error to answer with. Files go on arriving
 * after it resolves, read by the resolvers.
 */
export function readMultipart(
  req: IncomingMessage,
  res: ServerResponse,
  schema: GraphQLSchema,
  options: MultipartOptions,
): Promise<unknown> {
  const received = options.metrics?.uploadBytes;
  if (options.metrics) res.once("close", options.metrics.uploadStarted());
  // The body is already flowing into the parser: one more listener changes nothing of its pace.
  req.on("data", (chunk: Buffer) => {
    youngBuffers.add(chunk.length);
    received?.(chunk.length);
  });
  // The parser's own failures arrive typed (malformed); anything else is a fault of ours, answered 500 and logged.
  return processMultipart(req, res, schema, options).catch((error: unknown) => {
    throw toDomainError(error) ?? error;
  });
}

function processMultipart(req: IncomingMessage, res: ServerResponse, schema: GraphQLSchema, options: MultipartOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: "utf8",
        // busboy counts a part that reaches its limit as past it: one byte more, so that a file
        // (or field) of exactly the limit is taken, as the blob store's own count takes it.
        limits: { fieldSize: options.maxFieldSize + 1, fields: 2, fileSize: options.maxFileSize + 1, files: options.maxFiles },
      });
    } catch (error) {
      reject(malformed(error));
      return;
    }
    let operations: unknown;
    let uploads: Map<string, Upload> | undefined;
    let exitError: DomainError | Error | undefined;
    const fileStreams = new Set<Readable>();
    let released = false;
    const returnedStreams = new Set<Readable>();

    /** Ends processing with `error`; later calls do nothing. */
    const exit = (error: DomainError | Error) => {
      if (exitError) return;
      exitError = error;
      reject(error);
      parser.destroy();
      // Files already handed out but not read to the end fail too: the body they came in is refused.
      for (const stream of fileStreams) if (!stream.readableEnded && !stream.destroyed) stream.destroy(error);
      for (const upload of uploads?.values() ?? []) if (!upload.file) (upload as SettledUpload).reject(error);
      req.unpipe(parser);
      // Events later in this tick can pause the request again: resume it afterwards.
      setImmediate(() => req.resume());
    };

    /**
     * A handler of the parser's events: what it throws ends this request (an unexpected
     * error, answered 500 and logged), never the process, as an event listener's throw would.
     */
    const guarded =
      <A extends unknown[]>(handler: (...args: A) => void) =>
      (...args: A) => {
        try {
          handler(...args);
        } catch (error) {
          exit(error instanceof Error ? error : new Error(String(error)));
        }
      };

    parser.on(
      "field",
      guarded((name: string | undefined, value: string, { valueTruncated }: busboy.FieldInfo) => {
        if (typeof name !== "string") return exit(unnamedPart("field"));
        if (valueTruncated)
          return exit(new PayloadTooLargeError(`the multipart field ${quote(name, 100)} exceeds the ${options.maxFieldSize}-byte limit`));
        if (name === "operations") {
          if (operations !== undefined) return exit(new BadInputError(`the multipart field 'operations' is given twice (${SPEC})`));
          try {
            operations = JSON.parse(value);
          } catch {
            return exit(new BadInputError(`the multipart field 'operations' is not JSON (${SPEC})`));
          }
          if (typeof operations !== "object" || operations === null)
            return exit(new BadInputError(`the multipart field 'operations' must be an object (${SPEC})`));
        } else if (name === "map") {
          if (operations === undefined) return exit(new BadInputError(`the multipart field 'map' must follow 'operations' (${SPEC})`));
          if (uploads) return exit(new BadInputError(`the multipart field 'map' is given twice (${SPEC})`));
          let map: unknown;
          try {
            map = JSON.parse(value);
          } catch {
            return exit(new BadInputError(`the multipart field 'map' is not JSON (${SPEC})`));
          }
          try {
            uploads = placeUploads(operations, map, schema, options);
          } catch (error) {
            return exit(malformed(error));
          }
          resolve(operations);
        }
      }),
    );

    parser.on(
      "file",
      guarded((name: string | undefined, stream: Readable, { filename, encoding, mimeType }: busboy.FileInfo) => {
        fileStreams.add(stream);
        const upload = typeof name === "string" ? (uploads?.get(name) as SettledUpload | undefined) : undefined;
        if (typeof name !== "string" || !upload || upload.file) {
          stream.on("error", () => {});
          stream.resume();
          if (typeof name !== "string") return exit(unnamedPart("file"));
          if (!uploads) return exit(new BadInputError(`files must follow the multipart fields 'operations' and 'map' (${SPEC})`));
          return exit(new BadInputError(`the file part ${quote(name, 100)} is not named in the map, or comes twice`));
        }
        // A consumer that destroys a file stream before its end (a blob store that failed
        // mid-file) stalls busboy for good: it waits for that stream to be read. The body
        // is refused then, so the files still to come fail instead of waiting forever.
        stream.once("close", () => {
          if (!stream.readableEnded) exit(new SiblingFileFailed());
        });
        let fileError: Error | undefined;
        stream.on("limit", () => {
          fileError = fileTooLarge(options.maxFileSize);
          // busboy truncates silently and ends the stream: a reader must fail, never store a cut file.
          if (returnedStreams.has(stream)) stream.destroy(fileError);
          stream.unpipe();
        });
        stream.on("error", (error) => {
          fileError = error;
          stream.unpipe();
        });
        upload.resolve({
          fieldName: name,
          filename: filename ?? "",
          mimetype: mimeType,
          encoding,
          createReadStream() {
            const error = fileError ?? (released ? exitError : undefined);
            if (error) throw error;
            if (returnedStreams.has(stream)) throw new BadInputError("a file of this request is read twice; send each file once");
            returnedStreams.add(stream);
            return stream as ReturnType<FileUpload["createReadStream"]>;
          },
        });
      }),
    );

    parser.once("filesLimit", () => exit(new PayloadTooLargeError(`more than ${options.maxFiles} files in one request`)));
    parser.on("error", (error) => exit(malformed(error)));
    parser.once("close", () => {
      req.unpipe(parser);
      req.resume();
      if (operations === undefined) return exit(new BadInputError(`the multipart field 'operations' is missing (${SPEC})`));
      if (!uploads) return exit(new BadInputError(`the multipart field 'map' is missing (${SPEC})`));
      for (const [name, upload] of uploads) {
        if (!upload.file)
          (upload as SettledUpload).reject(
            new BadInputError(`the file part ${quote(name, 100)} named in the map is missing from the request`),
          );
      }
    });
    res.once("close", () => (released = true));
    const disconnected = () => exit(new BadInputError("the request was disconnected before its files were complete"));
    req.on("error", disconnected);
    req.once("close", () => {
      if (!req.readableEnded) disconnected();
    });
    req.pipe(parser);
  });
}
