import express, { Router } from "express";
import { getDistDirectory, renderAltair, renderInitSnippet } from "altair-static";

const IDE_BASE = "/ide/";
const INIT_SCRIPT = `${IDE_BASE}initial_options.js`;

/**
 * The self-hosted GraphQL IDE (Altair, bundled in the altair-static package):
 * served from this gateway, so it works with no internet access. Browsers asking
 * for HTML at /graphql get the IDE; everyone else gets a JSON hint. The init
 * options are a separate script, so the page runs under CSP `script-src 'self'`.
 */
export function ideRoutes(options: { readonly enabled: boolean }): Router {
  const router = Router();
  router.get("/graphql", (req, res, next) => {
    if (req.query.query !== undefined) return next();
    if (options.enabled && req.accepts(["json", "html"]) === "html") {
      res.type("html").send(renderAltair({ baseURL: IDE_BASE, endpointURL: "/graphql", serveInitialOptionsInSeperateRequest: INIT_SCRIPT }));
      return;
    }
    res.json({
      message: "Homer's GraphQL endpoint. POST a query here; file uploads use the GraphQL multipart request spec.",
      ide: options.enabled ? "open this URL in a browser" : "off (HOMER_IDE=false)",
      example: `curl -s ${req.protocol}://${req.get("host")}/graphql -H 'content-type: application/json' -d '{"query":"{ models(name: \\"mnist\\") { nodes { version } } }"}'`,
    });
  });
  if (!options.enabled) return router;
  router.get(INIT_SCRIPT, (_req, res) => {
    res.type("application/javascript").send(
      renderInitSnippet({
        endpointURL: "/graphql",
        // Apollo's CSRF prevention wants it on multipart requests (file uploads from the IDE).
        initialHeaders: { "apollo-require-preflight": "true" },
        initialQuery: "# Send Authorization: Bearer <key> (Set Headers) when keys are on.\n{\n  __typename\n}\n",
        disableAccount: true,
      }),
    );
  });
  router.use(IDE_BASE, express.static(getDistDirectory(), { maxAge: "1h", index: false }));
  return router;
}
