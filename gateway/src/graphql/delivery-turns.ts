/**
 * One WebSocket's deliveries, one at a time. Each subscription waits for its last message to
 * be sent before it reads its next event, but a connection's subscriptions did so side by
 * side: a client with 100 subscriptions that stopped reading had each one's next answer (its
 * `model` read whole, up to the answer budget) held in the gateway at once, 406 MiB for one
 * event of 14 aliased 250 KiB input examples. Taking turns, a connection holds at most one
 * answer in the making or unsent; its other subscriptions' events wait in their bounded
 * queues (a subscriber 1,000 events behind is ended).
 */
export class DeliveryTurns {
  static readonly #byConnection = new WeakMap<object, DeliveryTurns>();

  /** The turns of `connection` (graphql-ws's context of one WebSocket). */
  static of(connection: object): DeliveryTurns {
    let turns = DeliveryTurns.#byConnection.get(connection);
    if (!turns) DeliveryTurns.#byConnection.set(connection, (turns = new DeliveryTurns()));
    return turns;
  }

  #busy = false;
  readonly #waiting: (() => void)[] = [];

  /** Waits for the turn; `cancel` gives up waiting (a subscription ended meanwhile). */
  #take(): { readonly granted: Promise<void>; cancel(): void } {
    if (!this.#busy) {
      this.#busy = true;
      // Given at once: a subscription that ends before it saw the turn passes it on like any other.
      return { granted: Promise.resolve(), cancel: () => this.#release() };
    }
    let given = false;
    let grant!: () => void;
    const granted = new Promise<void>((resolve) => (grant = () => ((given = true), resolve())));
    this.#waiting.push(grant);
    return {
      granted,
      cancel: () => {
        // Given already (its promise not yet seen): passed on, or the connection's turns stop for good.
        if (given) return this.#release();
        this.#waiting.splice(this.#waiting.indexOf(grant), 1);
      },
    };
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy = false;
  }

  /**
   * `source`, each item handed on only in this connection's turn, held until the subscription
   * asks for its next item (it has sent the last) or ends. The turn is taken once an item is
   * there, never while waiting for one.
   */
  pace<T>(source: AsyncIterableIterator<T>): AsyncIterableIterator<T> {
    let holding = false;
    let ended = false;
    let stopWaiting: (() => void) | undefined;
    const letGo = () => {
      if (holding) this.#release();
      holding = false;
    };
    return {
      next: async () => {
        letGo();
        const item = await source.next();
        if (item.done || ended) return item;
        const turn = this.#take();
        const stopped = new Promise<void>((resolve) => (stopWaiting = resolve));
        await Promise.race([turn.granted, stopped]);
        stopWaiting = undefined;
        if (ended) {
          turn.cancel();
          return { value: undefined, done: true };
        }
        holding = true;
        return item;
      },
      return: async () => {
        ended = true;
        stopWaiting?.();
        letGo();
        return (await source.return?.()) ?? { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
