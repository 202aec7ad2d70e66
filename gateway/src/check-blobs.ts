import { ConfigError, helpText as gatewayHelp, loadConfig, withoutCredentials } from "./config.js";
import { eachLimited } from "./storage/each-limited.js";
import { openFileAudit, type FileAudit, type FileReference } from "./storage/file-audit.js";

/** Files read from the database a statement. */
export const CHECK_PAGE_SIZE = 1_000;
/** Blob store stats or HEADs at once. */
export const CHECK_CONCURRENCY = 16;

/** What `check-blobs` exits with. */
export const CHECK_EXIT = Object.freeze({ allPresent: 0, missing: 1, failed: 2 });

/** Where the command writes: stdout for the report, stderr for refusals. */
export interface CheckOutput {
  out(line: string): void;
  err(line: string): void;
}

export interface CheckSummary {
  readonly files: number;
  readonly versions: number;
  readonly missing: number;
  /** Files whose blob is there with another size than the version records (truncated by a copy, say). */
  readonly wrongSize: number;
}

/** A file the check reports: its blob missing (`blobSizeBytes` undefined), or of another size than the version records. */
export type CheckFinding = FileReference & { readonly blobSizeBytes?: number };

export const CHECK_BLOBS_HELP = `Usage: homer-gateway check-blobs [--json] [options]

Finds every version whose files' bytes the blob store lacks, or holds with another
size than the version records (after restoring a backup, say), before anyone
downloads them. Reads the database and the blob store
with the gateway's own settings (the flags and environment variables below), never
writes either, and may run while gateways serve. A file missing at first is looked
up again in the database: a version deleted meanwhile is not reported.

Prints one line per missing file (project, model, version, path, sha256), one per file
of the wrong size (the same, with both sizes), and a summary.
  --json    one JSON object a line instead: each file found, then the summary

Exit status: 0 every file present whole; 1 some missing or of the wrong size; 2 the configuration, the database
or the blob store failed (nothing was concluded).

`;

/**
 * One file found as a line: `missing project=… model=… version=… path="…" sha256=…` (names and
 * path quoted as JSON), or `wrong-size …` with `size=` (the blob's) and `expected=` (the version's).
 */
function textLine(file: CheckFinding): string {
  const where = `project=${JSON.stringify(file.project)} model=${JSON.stringify(file.name)} version=${file.version} path=${JSON.stringify(file.path)} sha256=${file.sha256}`;
  return file.blobSizeBytes === undefined
    ? `missing ${where}`
    : `wrong-size ${where} size=${file.blobSizeBytes} expected=${file.sizeBytes}`;
}

function jsonLine(file: CheckFinding): string {
  const where = { project: file.project, model: file.name, version: file.version, path: file.path, sha256: file.sha256 };
  return JSON.stringify(
    file.blobSizeBytes === undefined
      ? { missing: where }
      : { wrongSize: { ...where, sizeBytes: file.sizeBytes, blobSizeBytes: file.blobSizeBytes } },
  );
}

/**
 * Walks every version's files a page at a time: each page's distinct digests are looked
 * up in the blob store `CHECK_CONCURRENCY` at a time; a file whose blob is missing is read
 * again from the database, and reported only if its version still names it.
 */
export async function scanFiles(audit: FileAudit, report: (file: CheckFinding) => void, pageSize = CHECK_PAGE_SIZE): Promise<CheckSummary> {
  let files = 0;
  let versions = 0;
  let missing = 0;
  let wrongSize = 0;
  let lastModel: number | undefined;
  for await (const page of audit.files(pageSize)) {
    const sizes = new Map<string, number | undefined>();
    await eachLimited([...new Set(page.map((f) => f.sha256))], CHECK_CONCURRENCY, async (sha256) => {
      sizes.set(sha256, await audit.blobSize(sha256));
    });
    for (const file of page) {
      files++;
      if (file.modelId !== lastModel) versions++;
      lastModel = file.modelId;
      const blobSizeBytes = sizes.get(file.sha256);
      if (blobSizeBytes === file.sizeBytes) continue;
      // A version deleted (and its blob reclaimed) after the page was read is no loss.
      if (!(await audit.stillReferenced(file))) continue;
      if (blobSizeBytes === undefined) missing++;
      else wrongSize++;
      report(blobSizeBytes === undefined ? file : { ...file, blobSizeBytes });
    }
  }
  return { files, versions, missing, wrongSize };
}

/** `homer-gateway check-blobs …`: resolves with the exit status. */
export async function checkBlobs(argv: readonly string[], env: NodeJS.ProcessEnv, output: CheckOutput): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    output.out(CHECK_BLOBS_HELP + gatewayHelp().slice(gatewayHelp().indexOf("Options:")));
    return CHECK_EXIT.allPresent;
  }
  const json = argv.includes("--json");
  let audit: FileAudit | undefined;
  try {
    const config = loadConfig(
      argv.filter((a) => a !== "--json"),
      env,
    );
    audit = await openFileAudit({
      databaseUrl: config.databaseUrl,
      blobUrl: config.blobUrl,
      s3ForcePathStyle: config.s3ForcePathStyle,
      env,
      dbConnectTimeoutMs: config.dbConnectTimeoutMs,
    });
    const store = `${withoutCredentials(config.databaseUrl)} + ${config.blobUrl}`;
    const summary = await scanFiles(audit, (file) => output.out(json ? jsonLine(file) : textLine(file)));
    const found = [
      summary.missing === 0 && summary.wrongSize === 0 ? "none missing" : `${summary.missing} missing`,
      ...(summary.wrongSize > 0 ? [`${summary.wrongSize} of the wrong size`] : []),
    ].join(", ");
    output.out(
      json
        ? JSON.stringify({ summary: { ...summary, store } })
        : `checked ${summary.files} file(s) of ${summary.versions} version(s) in ${store}: ${found}`,
    );
    return summary.missing === 0 && summary.wrongSize === 0 ? CHECK_EXIT.allPresent : CHECK_EXIT.missing;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    output.err(`homer check-blobs: ${error instanceof ConfigError ? "" : "failed: "}${message}`);
    return CHECK_EXIT.failed;
  } finally {
    await audit?.close().catch(() => {});
  }
}
