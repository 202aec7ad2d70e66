import { defineConfig } from "vite";

/** Where `npm run dev:web` sends API calls: a gateway on this machine (`npm start`), or HOMER_GATEWAY. */
const gateway = process.env.HOMER_GATEWAY ?? "http://localhost:4000";

/**
 * The web app's build: hashed file names under assets/ (the gateway caches them
 * for a year), no inline scripts or styles (the gateway's CSP allows only its own
 * files), no source of any CDN. The dev server proxies the API to a local gateway.
 */
export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic" } },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    // Never a data: URL for a script or a style: everything is a file of its own.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
    // React, urql with its cache and uPlot: about 400 kB (120 kB gzipped) for the first page.
    chunkSizeWarningLimit: 450,
  },
  server: {
    proxy: {
      "/graphql": { target: gateway, ws: true, changeOrigin: false },
      "/files": gateway,
      "/archives": gateway,
      "/healthz": gateway,
    },
  },
});
