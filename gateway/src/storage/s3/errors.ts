import { DomainError, outOfSpace, StorageError, UnavailableError } from "../../domain/errors.js";
import { NETWORK_CODES, RETRY_AFTER_SECONDS } from "../network-errors.js";

/** A stream to the store closed before its end: the connection dropped mid-transfer. */
const PREMATURE_CLOSE = "ERR_STREAM_PREMATURE_CLOSE";

/** Error names of the SDK and of S3 that say "not now" rather than "never". */
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "SlowDown",
  "ServiceUnavailable",
  "InternalError",
  "ThrottlingException",
]);

/** Names MinIO and others use for a full disk (S3 itself never fills up). */
const OUT_OF_SPACE_NAMES: ReadonlySet<string> = new Set(["XMinioStorageFull", "StorageFull"]);

/** The parts of an AWS SDK (or Node socket) error this module reads. */
interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly cause?: unknown;
}

function sdkError(error: unknown): SdkError {
  return typeof error === "object" && error !== null ? error : {};
}

/** The HTTP status S3 answered with, if it answered at all. */
export function httpStatusOf(error: unknown): number | undefined {
  return sdkError(error).$metadata?.httpStatusCode;
}

/** S3's error code (`NoSuchKey`, `AccessDenied`, …) or the socket's errno code. */
export function s3CodeOf(error: unknown): string | undefined {
  const { name, code } = sdkError(error);
  return code ?? name;
}

/** Whether S3 said the key (or the upload) does not exist. */
export function isNoSuchKey(error: unknown): boolean {
  const code = s3CodeOf(error);
  // A vanished bucket is no missing blob: it must not read as "deleted meanwhile".
  if (code === "NoSuchBucket") return false;
  return code === "NoSuchKey" || code === "NotFound" || code === "NoSuchUpload" || httpStatusOf(error) === 404;
}

/** Whether the object store could not be reached, or answered that it cannot serve now. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof UnavailableError) return true;
  const { name, code, cause } = sdkError(error);
  if ((code && (NETWORK_CODES.has(code) || code === PREMATURE_CLOSE)) || (name && TRANSIENT_NAMES.has(name))) return true;
  const status = httpStatusOf(error);
  // 429: a store that rate-limits as HTTP says (S3 itself answers 503 SlowDown); the AWS SDK retries both as throttling.
  if (status === 429 || (status !== undefined && status >= 500 && status !== 501 && status !== 507)) return true;
  return cause !== undefined && cause !== error && isUnavailable(cause);
}

/**
 * S3's codes for credentials it will not take: unknown, wrongly signed, or a session
 * token (AWS_SESSION_TOKEN, an assumed role's) that expired. Renewing them is the fix.
 */
const CREDENTIAL_CODES: ReadonlySet<string> = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidToken",
  "TokenRefreshRequired",
]);

/** Whether the store refused the credentials themselves (unknown, wrongly signed, expired). */
export function isCredentialProblem(error: unknown): boolean {
  const code = s3CodeOf(error);
  return code !== undefined && CREDENTIAL_CODES.has(code);
}

/** Whether the store refused the credentials or the bucket (configuration, not an outage). */
export function isAccessProblem(error: unknown): boolean {
  const code = s3CodeOf(error);
  const status = httpStatusOf(error);
  return status === 403 || code === "AccessDenied" || code === "NoSuchBucket" || isCredentialProblem(error);
}

/**
 * The one place where object-store failures become domain errors: an unreachable,
 * timed-out or overloaded store (connection refused, 5xx, SlowDown, 429) is UNAVAILABLE
 * (503, Retry-After); a full store is INSUFFICIENT_STORAGE; everything else is a
 * StorageError (masked, logged) whose message names the operation and S3's code,
 * never a key or an endpoint.
 */
export function s3Error(error: unknown, operation: string): Error {
  if (error instanceof DomainError || error instanceof StorageError) return error;
  const code = s3CodeOf(error);
  if ((code && OUT_OF_SPACE_NAMES.has(code)) || httpStatusOf(error) === 507) return outOfSpace("file storage", error);
  if (isUnavailable(error)) {
    return new UnavailableError(`the blob store is unreachable; retry in ${RETRY_AFTER_SECONDS} s`, RETRY_AFTER_SECONDS, {
      cause: error,
    });
  }
  const why = isCredentialProblem(error)
    ? `the store refused the credentials: ${code}; renew them (a session token expires)`
    : isAccessProblem(error)
      ? "access denied or no such bucket"
      : (code ?? "unknown error");
  return new StorageError(`blob store ${operation} failed (${why})`, { cause: error });
}

/** Runs one S3 call of the blob store, typing its failure with `s3Error`. */
export async function s3Step<T>(operation: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw s3Error(error, operation);
  }
}
