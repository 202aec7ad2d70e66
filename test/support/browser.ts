import type { Browser, BrowserContext, Page } from "playwright-core";
import { chromium } from "playwright-core";

/** A hostname that is not loopback by name, resolved to 127.0.0.1 inside the test browser only. */
export const TEAM_HOST = "registry.internal";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-gpu",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  `--host-resolver-rules=MAP ${TEAM_HOST} 127.0.0.1`,
];

/**
 * Debian's Chromium (never a downloaded build), headless, with no background
 * traffic; `TEAM_HOST` maps to 127.0.0.1 so a page can be opened the way a
 * team opens a server on its network.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/**
 * The same Chromium with a profile kept in `userDataDir`: what one person's browser keeps
 * (IndexedDB, localStorage) outlives closing it, as on a shared workstation.
 */
export function launchPersistentChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

export interface PageWatch {
  /** Requests to anywhere but the given origins (refused, as with no internet access). */
  readonly foreign: string[];
  /** Console errors and uncaught exceptions. */
  readonly problems: string[];
}

/** Refuses and records every request `page` makes outside `origins`; records its errors. */
export async function watchPage(page: Page, ...origins: string[]): Promise<PageWatch> {
  const watch: PageWatch = { foreign: [], problems: [] };
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (origins.some((origin) => url.startsWith(`${origin}/`)) || url.startsWith("data:") || url.startsWith("blob:"))
      return route.continue();
    watch.foreign.push(url);
    return route.abort();
  });
  page.on("console", (message) => {
    if (message.type() === "error") watch.problems.push(message.text());
  });
  page.on("pageerror", (error) => watch.problems.push(error.message));
  return watch;
}
