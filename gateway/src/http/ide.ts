import fs from "node:fs/promises";
import path from "node:path";
import express, { Router, type Request } from "express";
import { getDistDirectory, isSandboxFrame, renderAltair, renderInitSnippet, SANDBOX_FRAME_CSP } from "altair-static";
import { IDE_SESSION_SCRIPT } from "./ide-session.js";
import { requestOrigin } from "./urls.js";

const IDE_BASE = "/ide/";
const INIT_SCRIPT = `${IDE_BASE}initial_options.js`;
const TRANSLATIONS = `${IDE_BASE}assets/i18n/`;
/** Ours, not Altair's: keeps Altair's state (the key typed in its Auth tab too) to the page. */
const SESSION_SCRIPT = `${IDE_BASE}homer-session.js`;
/** Ours too: hides what the IDE cannot do here (see SCRIPTS_OFF). */
const PAGE_STYLES = `${IDE_BASE}homer.css`;
/**
 * Pre-/post-request scripts are off. Altair runs them in a frame of its sandbox page with
 * `allow-scripts allow-same-origin`, i.e. in the gateway's origin, where a script (one in an
 * imported collection too) could read the IDE's storage and call the API with the key; and it
 * takes the frame's answers only from that origin. Served in its own opaque origin (the
 * `sandbox` CSP, below) the frame cannot reach the key, and Altair never hears back, so the
 * editor's switch is hidden and says why. (Under `script-src 'self'` they never ran anyway:
 * Altair evaluates them with eval.)
 */
const SCRIPTS_OFF = `.request-script-editor__toggle-wrapper { display: none; }
.request-script-editor::before {
  content: "Pre-request and post-request scripts are off in Homer's IDE: they would run in the registry's origin, beside your key.";
  display: block;
  padding: 8px 0;
}
`;
/** Altair's own texts we replace: its empty result pane greets the user with a joke. */
const TEXT_OVERRIDES: Readonly<Record<string, string>> = {
  QUERY_RESULT_NO_RESULT_TEXT: "Send Request runs the query; its result shows here.",
};

/**
 * Files of Altair's build named by their content (its chunks and workers, the sandbox frame's
 * Vite assets): a new release names them anew, so a browser may keep them for good. The rest
 * (main.js, polyfills.js, styles.css, images) keep their names across releases.
 */
const CONTENT_NAMED = /^(?:(?:chunk|worker)-[A-Z0-9]{8}\.js|iframe-sandbox\/assets\/index-[A-Za-z0-9_-]{8}\.(?:js|css))$/;

/**
 * Headers for a file of Altair's build. Cache-Control: content-named ones for good; the others
 * must be asked again (their ETag makes that a 304). Kept for an hour, a release's main.js
 * outlived an upgrade: the new page ran the old main.js, whose imports name chunks the new build
 * lacks. The script sandbox page (and its files) get the `sandbox` CSP altair-static names, so
 * they run in an opaque origin, never the gateway's, even when framed `allow-same-origin` or
 * opened directly (GHSA-752m-7p75-49gf).
 */
function assetHeaders(res: express.Response, file: string): void {
  const name = path.relative(getDistDirectory(), file).split(path.sep).join("/");
  res.setHeader("Cache-Control", CONTENT_NAMED.test(name) ? "public, max-age=31536000, immutable" : "public, no-cache");
  if (isSandboxFrame(name)) {
    const policy = res.getHeader("Content-Security-Policy");
    res.setHeader("Content-Security-Policy", policy ? `${SANDBOX_FRAME_CSP}; ${String(policy)}` : SANDBOX_FRAME_CSP);
  }
}

/** Altair's page with our session script first in its <head>: it must run before Altair opens its database. */
function renderPage(): string {
  const page = renderAltair({ baseURL: IDE_BASE, endpointURL: "/graphql", serveInitialOptionsInSeperateRequest: INIT_SCRIPT });
  if (!page.includes("</head>")) throw new Error("Altair's page has no </head> for the session script");
  return page.replace(
    "</head>",
    `  <script src="${SESSION_SCRIPT}"></script>\n    <link href="${PAGE_STYLES}" rel="stylesheet" />\n  </head>`,
  );
}

/** A person's browser (it prefers HTML), not an API client (one that accepts anything gets JSON). */
function wantsHtml(req: Request): boolean {
  return req.accepts(["json", "html"]) === "html";
}

/** Altair's translation files with TEXT_OVERRIDES applied, each read once (only files it ships). */
function translations(): express.RequestHandler {
  const directory = path.join(getDistDirectory(), "assets", "i18n");
  let shipped: Promise<Set<string>> | undefined;
  const patched = new Map<string, Promise<string>>();
  const patch = async (file: string) =>
    JSON.stringify({ ...JSON.parse(await fs.readFile(path.join(directory, file), "utf8")), ...TEXT_OVERRIDES });
  const serve = async (req: Request, res: express.Response, next: express.NextFunction) => {
    shipped ??= fs.readdir(directory).then((files) => new Set(files.filter((f) => f.endsWith(".json"))));
    const file = req.path.slice(1);
    if (!(await shipped).has(file)) return next();
    if (!patched.has(file)) patched.set(file, patch(file));
    res
      .type("json")
      .set("cache-control", "public, no-cache")
      .send(await patched.get(file));
  };
  return (req, res, next) => void serve(req, res, next).catch(next);
}

/**
 * The self-hosted GraphQL IDE (Altair, bundled in the altair-static package):
 * served from this gateway, so it works with no internet access. Browsers asking
 * for HTML at /graphql get the IDE; everyone else gets a JSON hint. The init
 * options are a separate script, so the page runs under CSP `script-src 'self'`.
 */
export function ideRoutes(options: { readonly enabled: boolean; readonly publicUrl?: string }): Router {
  const router = Router();
  // The same page for everyone: rendered once (renderAltair reads Altair's index.html synchronously).
  let page: string | undefined;
  router.get("/graphql", (req, res, next) => {
    if (req.query.query !== undefined) return next();
    if (options.enabled && wantsHtml(req)) {
      page ??= renderPage();
      res.type("html").send(page);
      return;
    }
    res.json({
      message: "Homer's GraphQL endpoint. POST a query here; file uploads use the GraphQL multipart request spec.",
      ide: options.enabled ? "open this URL in a browser" : "off (HOMER_IDE=false)",
      example:
        `curl -s ${requestOrigin(req)}/graphql -H 'content-type: application/json'` +
        ` -d '{"query":"{ models(name: \\"mnist\\") { nodes { version } } }"}'`,
    });
  });
  if (!options.enabled) return router;
  router.get(INIT_SCRIPT, (req, res) => {
    // Altair wants an absolute WebSocket URL: the one this page was loaded from.
    const origin = options.publicUrl ?? requestOrigin(req);
    // Made from the request's host: no cache may hand one host's to another.
    res.setHeader("Cache-Control", "private, no-cache");
    res.type("application/javascript").send(
      renderInitSnippet({
        endpointURL: "/graphql",
        subscriptionsEndpoint: `${origin.replace(/^http/, "ws")}/graphql`,
        initialSubscriptionRequestHandlerId: "graphql-ws",
        // Apollo's CSRF prevention wants it on multipart requests (file uploads from the IDE).
        initialHeaders: { "apollo-require-preflight": "true" },
        initialQuery:
          "# With API keys on: Auth tab, Bearer Token, your key. Subscriptions (modelEvents) take it\n" +
          '# as a connection parameter: Set Subscription URL, {"authorization": "Bearer <key>"}.\n{\n  __typename\n}\n',
        disableAccount: true,
        // Self-hosted and offline: no upsell banners (e.g. "Get Altair AI Assistant").
        initialSettings: { "banners.disable": true },
      }),
    );
  });
  router.get(SESSION_SCRIPT, (_req, res) => {
    res.setHeader("Cache-Control", "public, no-cache");
    res.type("application/javascript").send(IDE_SESSION_SCRIPT);
  });
  router.get(PAGE_STYLES, (_req, res) => {
    res.setHeader("Cache-Control", "public, no-cache");
    res.type("css").send(SCRIPTS_OFF);
  });
  router.use(TRANSLATIONS, translations());
  router.use(IDE_BASE, express.static(getDistDirectory(), { index: false, setHeaders: assetHeaders }));
  return router;
}
