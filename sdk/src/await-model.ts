import { RegistryError } from "./errors.js";
import type { Model } from "./model.js";
import type { ModelEvent, ModelWatch, WatchOptions } from "./watch.js";

/** What waiting needs of a registry (ModelRegistry, which calls in here). */
export interface ModelLookup {
  watch(options: WatchOptions): ModelWatch;
  getModel(options: { readonly name: string; readonly version: number; readonly project?: string }): Promise<Model | null>;
  iterateModels(options: { readonly name: string; readonly project?: string; readonly pageSize?: number }): AsyncGenerator<Model, void>;
}

export interface AwaitModelOptions {
  readonly name: string;
  /** That version; omitted: the next version registered after the call. */
  readonly version?: number;
  readonly project?: string;
  /** Default 300; then TIMEOUT. */
  readonly timeoutSeconds?: number;
}

/**
 * The server acknowledges no subscribe, so a change committed while the
 * subscription is being set up could pass unseen: look with a plain query this
 * often too. Events make the common case immediate; this only bounds the rare one.
 */
const RECHECK_MS = 5_000;

/** The newest version of `name`, or 0 when there is none. */
async function latestVersion(registry: ModelLookup, name: string, project: string | undefined): Promise<number> {
  const { value } = await registry.iterateModels({ name, project, pageSize: 1 }).next();
  return value?.version ?? 0;
}

/**
 * Waits for a version that another process registers, using live events (a
 * WebSocket) and, every few seconds, a plain query. Resolves with the version
 * once `getModel` returns it.
 */
export async function awaitModel(registry: ModelLookup, options: AwaitModelOptions): Promise<Model> {
  const { name, version, project } = options;
  const deadline = Date.now() + (options.timeoutSeconds ?? 300) * 1000;
  const watch = registry.watch({ name, project });
  try {
    const baseline = version === undefined ? await latestVersion(registry, name, project) : 0;
    const lookNow = async (): Promise<Model | null> => {
      if (version !== undefined) return registry.getModel({ name, version, project });
      const latest = await latestVersion(registry, name, project);
      return latest > baseline ? registry.getModel({ name, version: latest, project }) : null;
    };
    const wanted = (event: ModelEvent) =>
      (event.type === "CREATED" || event.type === "OVERWRITTEN") &&
      event.model !== null &&
      (version === undefined ? event.version > baseline : event.version === version);

    // Each pending read is raced below; when the loop ends first, nobody awaits it any more.
    const read = () => {
      const pending = watch.next();
      pending.catch(() => {});
      return pending;
    };
    let found = await lookNow();
    let next = read();
    while (!found) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = new Promise<"tick">((resolve) => (timer = setTimeout(resolve, Math.min(RECHECK_MS, left), "tick")));
      const outcome = await Promise.race([next, tick]);
      clearTimeout(timer);
      if (outcome === "tick") {
        found = await lookNow();
      } else if (outcome.done) {
        // The stream ended without an error (the gateway closed it): queries alone from here.
        next = new Promise(() => {});
      } else {
        if (wanted(outcome.value)) found = outcome.value.model;
        next = read();
      }
    }
    if (!found) {
      const what = version === undefined ? `a new version of ${name}` : `${name}@${version}`;
      throw new RegistryError("TIMEOUT", `${what} was not registered within ${options.timeoutSeconds ?? 300} s`);
    }
    return found;
  } finally {
    await watch.close();
  }
}
