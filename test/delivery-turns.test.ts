import { describe, expect, test } from "vitest";
import { DeliveryTurns } from "../gateway/src/graphql/delivery-turns.js";

/** A source that has `items` ready, then waits for ever (until returned). */
function source(items: number[]): AsyncIterableIterator<number> & { returned: boolean } {
  let waiting: ((result: IteratorResult<number>) => void) | undefined;
  const it = {
    returned: false,
    next: () => (items.length > 0 ? Promise.resolve({ value: items.shift()!, done: false }) : new Promise((r) => (waiting = r))),
    return: () => {
      it.returned = true;
      waiting?.({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true as const });
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it as AsyncIterableIterator<number> & { returned: boolean };
}

/** Whether `promise` settled within a few turns of the event loop. */
async function settled<T>(promise: Promise<T>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("a connection's deliveries take turns", () => {
  test("one item at a time, held until its subscription asks for the next; never while waiting for an item", async () => {
    const turns = new DeliveryTurns();
    const a = turns.pace(source([1, 2]));
    const b = turns.pace(source([10]));
    const idle = turns.pace(source([]));
    const waitingForItem = idle.next(); // holds no turn
    expect(await a.next()).toEqual({ value: 1, done: false });
    const second = b.next();
    expect(await settled(second)).toBe(false); // a holds the turn until it asks again
    const aNext = a.next(); // a sent its item: the turn passes to b
    expect(await second).toEqual({ value: 10, done: false });
    expect(await settled(aNext)).toBe(false);
    await b.return!();
    expect(await aNext).toEqual({ value: 2, done: false });
    await idle.return!();
    expect(await waitingForItem).toEqual({ value: undefined, done: true });
  });

  test("a subscription ended while waiting for its turn gives up its place, even one just handed to it", async () => {
    const turns = new DeliveryTurns();
    const a = turns.pace(source([1, 2]));
    const b = turns.pace(source([10]));
    const c = turns.pace(source([20]));
    expect(await a.next()).toEqual({ value: 1, done: false });
    const bNext = b.next();
    await new Promise((resolve) => setImmediate(resolve)); // b queued behind a
    // a lets go (the turn is handed to b) and b ends before it saw the turn.
    const aNext = a.next();
    await b.return!();
    expect(await bNext).toEqual({ value: undefined, done: true });
    // The turn was passed on, not lost with b.
    expect(await aNext).toEqual({ value: 2, done: false });
    const cNext = c.next();
    await a.return!();
    expect(await cNext).toEqual({ value: 20, done: false });
  });

  test("a subscription ended just as it took a free turn, before it saw it, gives the turn back", async () => {
    const turns = new DeliveryTurns();
    const a = turns.pace(source([1]));
    const b = turns.pace(source([10]));
    const aNext = a.next();
    // Queued behind a's item: a takes the free turn at once, then ends before its wait for it settles.
    queueMicrotask(() => void a.return!());
    expect(await aNext).toEqual({ value: undefined, done: true });
    // The turn is free again: b's item is handed on, not held back for good.
    const bNext = b.next();
    expect(await settled(bNext)).toBe(true);
    expect(await bNext).toEqual({ value: 10, done: false });
  });
});
