/**
 * A step (a write, say a delete through the store) run once, awaited, at the next call of
 * `target[method]` whose arguments pass `when`: `before` the call, or `after` it, before
 * its caller has the answer. `next(step)` arms it.
 */
export function stepAtNextCall<T extends object, K extends keyof T>(
  target: T,
  method: K,
  at: "before" | "after",
  when: (...args: any[]) => boolean = () => true,
): { next(step: () => Promise<unknown>): void } {
  let armed: (() => Promise<unknown>) | undefined;
  const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
  (target as Record<K, unknown>)[method] = async (...args: unknown[]) => {
    const step = armed && when(...args) ? armed : undefined;
    if (step) armed = undefined;
    if (at === "before") await step?.();
    const result = await original(...args);
    if (at === "after") await step?.();
    return result;
  };
  return {
    next(step) {
      armed = step;
    },
  };
}
