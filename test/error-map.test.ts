import { describe, expect, test } from "vitest";
import {
  AlreadyExistsError,
  BadInputError,
  ForbiddenError,
  InsufficientStorageError,
  NotFoundError,
  PayloadTooLargeError,
  StorageError,
  TooManyRequestsError,
  UnauthenticatedError,
  UnavailableError,
} from "../gateway/src/domain/errors.js";
import { clientError, requestLevelError } from "../gateway/src/http/error-map.js";

// The one map every transport uses (GraphQL extensions and statuses, downloads, plain HTTP).
describe("clientError", () => {
  test.each([
    [new BadInputError("bad", "input.name"), "BAD_USER_INPUT", 400, { field: "input.name" }],
    [new NotFoundError("model", "p/m@1"), "NOT_FOUND", 404, {}],
    [new AlreadyExistsError("model", "p/m@1"), "ALREADY_EXISTS", 409, {}],
    [new UnauthenticatedError("who?"), "UNAUTHENTICATED", 401, {}],
    [new ForbiddenError("no"), "FORBIDDEN", 403, {}],
    [new PayloadTooLargeError("big"), "PAYLOAD_TOO_LARGE", 413, {}],
    [new TooManyRequestsError("slow down", 7), "TOO_MANY_REQUESTS", 429, { retryAfterSeconds: 7 }],
    [new UnavailableError("down", 3), "UNAVAILABLE", 503, { retryAfterSeconds: 3 }],
    [new InsufficientStorageError("full"), "INSUFFICIENT_STORAGE", 507, {}],
  ])("%s", (error, code, httpStatus, details) => {
    const mapped = clientError(error)!;
    expect(mapped).toMatchObject({ code, httpStatus, message: error.message, extensions: { ...details, code } });
    expect(mapped.retryAfterSeconds).toBe((details as { retryAfterSeconds?: number }).retryAfterSeconds);
  });

  test("a library's client-side HTTP error becomes the matching domain error; others stay unexpected", () => {
    expect(clientError(Object.assign(new Error("request entity too large"), { status: 413 }))).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      httpStatus: 413,
    });
    expect(clientError(Object.assign(new Error("bad json"), { statusCode: 400 }))).toMatchObject({
      code: "BAD_USER_INPUT",
      httpStatus: 400,
    });
    expect(clientError(Object.assign(new Error("boom"), { status: 500 }))).toBeUndefined();
    expect(clientError(new StorageError("disk broke"))).toBeUndefined();
    // Recognised by class, never by what the message says.
    expect(clientError(new Error("NOT_FOUND: skipped after an earlier file failed"))).toBeUndefined();
  });

  test("only request-level codes set a GraphQL response's status", () => {
    expect(requestLevelError("UNAVAILABLE", { retryAfterSeconds: 5 })).toMatchObject({ httpStatus: 503, retryAfterSeconds: 5 });
    expect(requestLevelError("PAYLOAD_TOO_LARGE")).toMatchObject({ httpStatus: 413 });
    expect(requestLevelError("INSUFFICIENT_STORAGE")).toMatchObject({ httpStatus: 507 });
    expect(requestLevelError("NOT_FOUND")).toBeUndefined();
    expect(requestLevelError(42)).toBeUndefined();
  });
});
