/** The name a model file is saved under: its path's last segment, as the gateway's Content-Disposition names it. */
export function fileNameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Has the browser download `url` (a file's or an archive's URL with a download ticket) as `fileName`: it
 * streams the bytes to disk, and the page never holds them.
 */
export function followDownload(url: string, fileName: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
}
