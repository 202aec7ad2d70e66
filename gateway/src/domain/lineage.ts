import { BadInputError, NotFoundError } from "./errors.js";
import type { DatasetRecord, LineageDraft, ModelRef, ProgramRecord, RunRecord } from "./records.js";
import { assertName, assertVersion, normaliseFilePath } from "./rules.js";
import { assertLabel, quote } from "./text.js";

/** Lineage as a caller gives it (GraphQL's LineageInput); each part optional. */
export interface LineageInput {
  readonly trainingDataset?: {
    readonly name: string;
    readonly version?: string | null;
    readonly uri?: string | null;
    readonly digest?: string | null;
  } | null;
  readonly run?: { readonly id: string; readonly uri?: string | null } | null;
  readonly program?: {
    readonly gitCommit?: string | null;
    readonly entryPoint?: string | null;
    readonly repository?: string | null;
  } | null;
  readonly environment?: string | null;
  readonly parents?: readonly { readonly project?: string | null; readonly name: string; readonly version: number }[] | null;
}

/** The most parents one version may name (a merge of a few fine-tunes is the largest real case). */
export const MAX_PARENTS = 16;
export const MAX_URI_CHARS = 2048;
export const MAX_LINEAGE_LABEL_CHARS = 256;
export const MAX_ENTRY_POINT_CHARS = 1024;

/**
 * URI schemes lineage may point at: web, object stores and data lakes, local files,
 * MLflow's and Hugging Face's own, git transports. Anything else (javascript:, data:)
 * is refused, since a UI will render these as links.
 */
export const URI_SCHEMES: readonly string[] = Object.freeze([
  "http",
  "https",
  "s3",
  "s3a",
  "gs",
  "az",
  "abfss",
  "wasbs",
  "hdfs",
  "dbfs",
  "file",
  "runs",
  "models",
  "mlflow",
  "hf",
  "ssh",
  "git",
  "git+ssh",
  "git+https",
]);

const DIGEST_HEX: Readonly<Record<string, number>> = { md5: 32, sha1: 40, sha256: 64, sha384: 96, sha512: 128 };
const URI = /^([A-Za-z][A-Za-z0-9+.-]*):(\S+)$/;
const SCP_LIKE = /^[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:[A-Za-z0-9_.~/-]+$/;
const GIT_COMMIT = /^[0-9a-fA-F]{7,64}$/;

function optional<T>(value: T | null | undefined, check: (v: T) => T): T | null {
  return value == null ? null : check(value);
}

function label(value: string, field: string, max = MAX_LINEAGE_LABEL_CHARS): string {
  if (typeof value !== "string") throw new BadInputError(`${field} must be a string`, field);
  if (value.trim() === "") throw new BadInputError(`${field} is empty`, field);
  return assertLabel(value, field, max);
}

/** A URI of an allowed scheme (scheme lower-cased), at most MAX_URI_CHARS, no whitespace or control character. */
export function assertLineageUri(value: string, field: string, scpLike = false): string {
  label(value, field, MAX_URI_CHARS);
  if (scpLike && SCP_LIKE.test(value)) return value;
  const match = URI.exec(value);
  if (!match) {
    throw new BadInputError(`${field} ${quote(value)} is not a URI (scheme:rest, no spaces), e.g. s3://bucket/data`, field);
  }
  const scheme = match[1]!.toLowerCase();
  if (!URI_SCHEMES.includes(scheme)) {
    throw new BadInputError(
      `${field} has scheme "${quote(scheme, 20).slice(1, -1)}", which is not one of ${URI_SCHEMES.join(", ")}`,
      field,
    );
  }
  if ((scheme === "http" || scheme === "https") && !URL.canParse(value)) {
    throw new BadInputError(`${field} ${quote(value)} is not a valid ${scheme} URL`, field);
  }
  return `${scheme}:${match[2]}`;
}

/** `<algorithm>:<hex>` for md5, sha1, sha256, sha384 or sha512, with the algorithm's length; lower-cased. */
export function assertDigest(value: string, field: string): string {
  label(value, field);
  const [algorithm = "", hex = "", ...rest] = value.toLowerCase().split(":");
  const length = Object.hasOwn(DIGEST_HEX, algorithm) ? DIGEST_HEX[algorithm] : undefined;
  if (rest.length > 0 || length === undefined || hex.length !== length || !/^[0-9a-f]+$/.test(hex)) {
    throw new BadInputError(
      `${field} ${quote(value)} is not a digest: use <algorithm>:<hex>, e.g. sha256:<64 hex digits> (md5, sha1, sha256, sha384, sha512)`,
      field,
    );
  }
  return `${algorithm}:${hex}`;
}

/** A git object name: 7–64 hex digits, lower-cased. */
export function assertGitCommit(value: string, field: string): string {
  label(value, field);
  if (!GIT_COMMIT.test(value)) throw new BadInputError(`${field} ${quote(value)} is not a git commit: use 7 to 64 hex digits`, field);
  return value.toLowerCase();
}

/**
 * Checks a caller's lineage: every part's rules, parents (project omitted: `project`,
 * the version's own) at most MAX_PARENTS, each named once and none `self`. The
 * environment path is normalised here; whether it is a file of the version, and
 * whether the parents exist, is decided where the version's files and the parents are known.
 */
export function validateLineage(input: LineageInput, project: string, self: ModelRef | null, field: string): LineageDraft {
  const at = (name: string) => `${field}.${name}`;
  const dataset = input.trainingDataset;
  const trainingDataset: DatasetRecord | null =
    dataset == null
      ? null
      : {
          name: label(dataset.name, at("trainingDataset.name")),
          version: optional(dataset.version, (v) => label(v, at("trainingDataset.version"))),
          uri: optional(dataset.uri, (v) => assertLineageUri(v, at("trainingDataset.uri"))),
          digest: optional(dataset.digest, (v) => assertDigest(v, at("trainingDataset.digest"))),
        };
  const run: RunRecord | null =
    input.run == null
      ? null
      : { id: label(input.run.id, at("run.id")), uri: optional(input.run.uri, (v) => assertLineageUri(v, at("run.uri"))) };
  const given = input.program;
  let program: ProgramRecord | null =
    given == null
      ? null
      : {
          gitCommit: optional(given.gitCommit, (v) => assertGitCommit(v, at("program.gitCommit"))),
          entryPoint: optional(given.entryPoint, (v) => label(v, at("program.entryPoint"), MAX_ENTRY_POINT_CHARS)),
          repository: optional(given.repository, (v) => assertLineageUri(v, at("program.repository"), true)),
        };
  if (program && program.gitCommit === null && program.entryPoint === null && program.repository === null) program = null;
  const environment = optional(input.environment, (v) => normaliseFilePath(v, at("environment")));

  const list = input.parents ?? [];
  if (list.length > MAX_PARENTS) throw new BadInputError(`${at("parents")} names more than ${MAX_PARENTS} versions`, at("parents"));
  const seen = new Set<string>();
  const parents = list.map((p, i): ModelRef => {
    const ref = {
      project: assertName(p.project ?? project, `${at("parents")}[${i}].project`),
      name: assertName(p.name, `${at("parents")}[${i}].name`),
      version: assertVersion(p.version, `${at("parents")}[${i}].version`),
    };
    const key = refKey(ref);
    if (seen.has(key)) throw new BadInputError(`${at("parents")} names ${key} twice`, `${at("parents")}[${i}]`);
    if (self && key === refKey(self)) throw new BadInputError(`${at("parents")}[${i}] is the version itself`, `${at("parents")}[${i}]`);
    seen.add(key);
    return ref;
  });
  const empty = trainingDataset === null && run === null && program === null && environment === null;
  return { facts: empty ? null : { trainingDataset, run, program, environment }, parents };
}

/** `project/name@version`. */
export function refKey(ref: ModelRef): string {
  return `${ref.project}/${ref.name}@${ref.version}`;
}

/**
 * A parent that does not exist — or that the caller may not read: both answer the
 * same, so a caller learns nothing of versions it cannot read.
 */
export class MissingParentError extends NotFoundError {
  constructor(readonly parent: ModelRef) {
    super("parent model version", refKey(parent));
  }
}

/** The environment file named by lineage is not a file of the version. */
export function environmentNotAFile(path: string, field: string): BadInputError {
  return new BadInputError(
    `${field} ${quote(path, 256)} is not a file of the version: name one of its files (e.g. requirements.txt)`,
    field,
  );
}

/** Naming these parents would make the version its own ancestor. */
export function lineageCycle(self: ModelRef, field: string): BadInputError {
  return new BadInputError(`${field} would make ${refKey(self)} its own ancestor`, field);
}
