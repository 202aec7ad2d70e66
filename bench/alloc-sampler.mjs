// Preloaded into a server (`node --import bench/alloc-sampler.mjs`): V8's sampling heap
// profiler over every allocation, kept or collected (one sample per ~4 KiB allocated),
// started by SIGUSR2 (after the bench's warm-up) and written as JSON to the file named by
// HOMER_BENCH_ALLOC_OUT on SIGTERM, before the server's own handler runs.
// bench/profile-pair.mjs reads it: bytes allocated per request, by module.
import fs from "node:fs";
import inspector from "node:inspector";

const out = process.env.HOMER_BENCH_ALLOC_OUT;
if (!out) throw new Error("alloc-sampler.mjs: set HOMER_BENCH_ALLOC_OUT");
const session = new inspector.Session();
session.connect();
// An in-process session answers synchronously: the callbacks below run before post returns.
const post = (method, params) => {
  let answer;
  session.post(method, params, (error, result) => {
    if (error) throw error;
    answer = result;
  });
  return answer;
};
post("HeapProfiler.enable");
let sampling = false;
process.on("SIGUSR2", () => {
  if (sampling) return;
  sampling = true;
  post("HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true,
  });
});
// Stopped before it started (the bench failed during its warm-up): nothing to write.
process.prependListener("SIGTERM", () => {
  if (sampling) fs.writeFileSync(out, JSON.stringify(post("HeapProfiler.stopSampling").profile));
});
