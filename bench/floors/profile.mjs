// A V8 .cpuprofile (node --cpu-prof) summarised as self time per module: which
// layer of the stack the samples fell in, by the script each sampled function is in.
const MODULES = [
  // better-sqlite3's native calls (Statement.all/run) have no frame of their own in
  // V8's profile: their time is the self time of the JS function calling them.
  ["SQLite (statement runs via better-sqlite3)", /storage\/sqlite\/cached-driver\.js|node_modules\/better-sqlite3\//],
  [
    "express + router + body-parser",
    /node_modules\/(express|router|body-parser|raw-body|finalhandler|send|type-is|content-type|on-finished|cors)\//,
  ],
  ["helmet", /node_modules\/helmet\//],
  ["pino", /node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream)\//],
  ["apollo server", /node_modules\/@apollo\//],
  ["graphql-armor (cost/depth limits)", /node_modules\/@escape\.tech\//],
  ["type-graphql", /node_modules\/type-graphql\//],
  ["graphql-js", /node_modules\/graphql\//],
  ["kysely", /node_modules\/kysely\//],
  ["prom-client", /node_modules\/prom-client\//],
  ["other dependencies", /node_modules\//],
  ["Homer storage (gateway/dist/storage)", /gateway\/dist\/storage\//],
  ["Homer (rest of gateway/dist)", /gateway\/dist\//],
  ["node http + net", /^node:(_http_|http|https|net|stream|internal\/(http|streams|stream_base|js_stream|net|dns))/],
  [
    "node promises + ticks + timers + events",
    /^node:(events|timers|internal\/(process\/task_queues|timers|async_hooks|event_target|fixed_queue))/,
  ],
  ["node (other core)", /^node:/],
];

/** Natives called from these scripts are SQLite's work (Statement.all/run/prepare). */
const SQLITE_CALLERS = /node_modules\/better-sqlite3\/|storage\/sqlite\/cached-driver\.js/;

function moduleOf(node) {
  const { url, functionName } = node.callFrame;
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(idle)") return "idle";
  if (functionName === "(program)") return "(program: native, not attributed)";
  for (const [name, re] of MODULES) if (re.test(url)) return name;
  // Native functions (SQLite's `all`/`run`, JSON, regexps) have no script of their own.
  return url ? "other" : "native (no script)";
}

/**
 * Self time per module; a native function is charged to the module of its JS caller
 * (better-sqlite3's `Statement.all` is SQLite's own work).
 */
export function summariseProfile(profile, requests) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const charge = new Map();
  const moduleOfSample = (id) => {
    let node = byId.get(id);
    let name = moduleOf(node);
    while (name === "native (no script)" && parent.has(node.id)) {
      node = byId.get(parent.get(node.id));
      if (SQLITE_CALLERS.test(node.callFrame.url)) return "SQLite (statement runs via better-sqlite3)";
      name = moduleOf(node);
    }
    return name;
  };
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const name = moduleOfSample(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    if (name === "idle") continue;
    charge.set(name, (charge.get(name) ?? 0) + dt);
    total += dt;
  }
  return [...charge.entries()]
    .map(([module, us]) => ({ module, share: us / total, usPerRequest: us / Math.max(requests, 1) }))
    .sort((a, b) => b.share - a.share);
}

/** The functions with the most self time, for a closer look than modules give. */
export function topFunctions(profile, count = 15) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const { functionName, url, lineNumber } = byId.get(profile.samples[i]).callFrame;
    if (functionName === "(idle)") continue;
    const key = `${functionName || "(anonymous)"} ${url.replace(/^.*node_modules\//, "").replace(/^.*gateway\/dist\//, "gateway/")}:${lineNumber + 1}`;
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, us]) => ({ fn, share: us / total }));
}

/**
 * A sampling heap profile (bench/alloc-sampler.mjs) as bytes allocated per request by
 * module; a native function's allocations (JSON.parse, Array#sort) are charged to its
 * JS caller's module, as `summariseProfile` charges its time.
 */
export function summariseAllocations(profile, requests) {
  const charge = new Map();
  let total = 0;
  const walk = (node, inherited) => {
    let name = moduleOf(node);
    if (name === "native (no script)") {
      name = inherited && SQLITE_CALLERS.test(inherited.url) ? "SQLite (statement runs via better-sqlite3)" : (inherited?.name ?? name);
    }
    if (node.selfSize > 0) {
      charge.set(name, (charge.get(name) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    const here = node.callFrame.url ? { name, url: node.callFrame.url } : inherited;
    for (const child of node.children ?? []) walk(child, here);
  };
  walk(profile.head, null);
  return {
    bytesPerRequest: total / Math.max(requests, 1),
    modules: [...charge.entries()]
      .map(([module, bytes]) => ({ module, bytesPerRequest: bytes / Math.max(requests, 1) }))
      .sort((a, b) => b.bytesPerRequest - a.bytesPerRequest),
  };
}
