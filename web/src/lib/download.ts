/** The name a model file is saved under: its path's last segment, as the gateway's Content-Disposition names it. */
export function fileNameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A download the registry refused, with its code (UNAUTHENTICATED, NOT_FOUND, …) as the error display reads it. */
export class DownloadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "DownloadError";
  }
}

/** The gateway answers a download's failure as GraphQL does: `{ errors: [{ message, extensions: { code } }] }`. */
async function refusal(res: Response): Promise<DownloadError> {
  const body = await res.text().catch(() => "");
  let first: { message?: unknown; extensions?: { code?: unknown } } | undefined;
  try {
    first = (JSON.parse(body) as { errors?: (typeof first)[] }).errors?.[0];
  } catch {
    // Not JSON (a proxy's page): the status says it.
  }
  const code = typeof first?.extensions?.code === "string" ? first.extensions.code : `HTTP_${res.status}`;
  const message = typeof first?.message === "string" ? first.message : `the download answered HTTP ${res.status}`;
  return new DownloadError(code, message);
}

/**
 * Has the browser download `url` (a file's URL with a download ticket) as `fileName`: it
 * streams the bytes to disk, and the page never holds them.
 */
export function followDownload(url: string, fileName: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
}

/**
 * Saves the registry archive at `url` as `fileName`, asked with the API
 * key (a file is downloaded with a ticket instead, streamed: `followDownload`): a link cannot send the `Authorization` header, so a plain `<a download>`
 * would save the registry's 401 instead. The bytes go through a Blob (Chromium
 * keeps a large one on disk), handed to the browser's download by an object URL.
 */
export async function saveWithKey(url: string, fileName: string, apiKey: string): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
  if (!res.ok) throw await refusal(res);
  const objectUrl = URL.createObjectURL(await res.blob());
  const link = document.createElement("a");
  link.href = objectUrl;
  link.download = fileName;
  link.click();
  // The browser reads the object URL after this turn: revoked once the download surely has it.
  setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
}
