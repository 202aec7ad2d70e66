import { RegistryError, shownValue } from "./errors.js";
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
  /** Default 300, then TIMEOUT; above 0 (Infinity: no limit), else BAD_USER_INPUT. */
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
  const { name, version, project, timeoutSeconds = 300 } = options;
  // NaN (or a string from untyped code) made the deadline NaN: never reached, while each
  // recheck's timer, NaN too, fired at once: queries back to back, for ever.
  if (typeof timeoutSeconds !== "number" || !(timeoutSeconds > 0)) {
    throw new RegistryError(
      "BAD_USER_INPUT",
      `timeoutSeconds must be a number of seconds above 0 (Infinity: no limit), not ${shownValue(timeoutSeconds)}`,
      {
        field: "timeoutSeconds",
      },
    );
  }
  const deadline = Date.now() + timeoutSeconds * 1000;
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
      throw new RegistryError("TIMEOUT", `${what} was not registered within ${timeoutSeconds} s`);
    }
    return found;
  } finally {
    await watch.close();
  }
}
