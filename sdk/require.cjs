// `require("@homer/sdk")` on a Node that cannot require() ES modules (before 20.19
// and 22.12) lands here; newer Nodes load the ES module itself ("module-sync").
throw Object.assign(
  new Error(
    '@homer/sdk is an ES module: use `import { connection } from "@homer/sdk"` (or `await import("@homer/sdk")` from CommonJS), ' +
      `or run Node 20.19+, 22.12+ or 24, where require() loads ES modules (this is Node ${process.versions.node})`,
  ),
  { code: "ERR_REQUIRE_ESM" },
);
