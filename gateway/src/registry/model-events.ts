import type { Logger } from "pino";
import type { Caller } from "../access/caller.js";
import { ForbiddenError, TooManyRequestsError, UnauthenticatedError, UnavailableError } from "../domain/errors.js";
import { BATCH } from "../domain/limits.js";
import type { ModelEventRecord } from "../domain/records.js";
import type { EventFeed, Unwatch } from "../storage/event-feed.js";
import { EventStream, type EventItem } from "./event-stream.js";

export interface EventLimits {
  /** Open subscriptions on this process, all callers together. */
  readonly maxSubscriptions: number;
  /** Open subscriptions of one API key (all anonymous callers count as one). */
  readonly maxSubscriptionsPerKey: number;
  /** How often every subscriber's key is checked again (revoked, access removed). */
  readonly subscriptionRecheckMs: number;
  /** How long events stay in the log (for readers that reconnect). */
  readonly eventRetentionMs: number;
}

/** Checks a caller again: the same caller with its current grants, or an error once it may no longer ask. */
export type Recheck = (caller: Caller) => Promise<Caller>;

/** What a subscription asks for: a project, and optionally one model name in it. */
export interface EventFilter {
  readonly project: string;
  readonly name: string | null;
}

interface Subscriber {
  caller: Caller;
  readonly filter: EventFilter;
  readonly stream: EventStream;
}

const PRUNE_EVERY_MS = 10 * 60_000;
/** After a failed read of the log, try again this soon (the database may be back). */
const RETRY_MS = 1_000;

/**
 * Delivers the event log to this process's subscribers. While anyone
 * subscribes it watches the feed and reads every event after the last seq it
 * delivered (so nothing is lost when a listener reconnects); each event goes to
 * the subscribers whose filter matches. Keys are checked again every
 * `subscriptionRecheckMs`: a revoked key or one that lost read on its project
 * ends its subscriptions with that error.
 */
export class ModelEventHub {
  readonly #subscribers = new Set<Subscriber>();
  readonly #perKey = new Map<string, number>();
  #cursor = 0;
  /** Set while anyone subscribes: the feed being watched and the recheck timer, once started. */
  #active: Promise<{ readonly unwatch: Unwatch; readonly recheck: NodeJS.Timeout }> | undefined;
  #pumping = false;
  #again = false;
  #retry: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  /** The last deactivation, so `close` can wait for its listener to be closed. */
  #stopping: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly feed: EventFeed,
    private readonly limits: EventLimits,
    private readonly recheck: Recheck,
    private readonly log: Logger,
  ) {}

  /** Open subscriptions on this process. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Starts pruning the log (every replica prunes; deletes by age are idempotent). */
  start(): void {
    const prune = () => {
      this.feed.prune(new Date(Date.now() - this.limits.eventRetentionMs)).then(
        (n) => n > 0 && this.log.debug({ pruned: n }, "pruned old events"),
        (error: unknown) => this.log.warn({ err: error }, "pruning old events failed; retried later"),
      );
    };
    prune();
    this.#pruneTimer = setInterval(prune, PRUNE_EVERY_MS).unref();
  }

  /** A stream of the events after now that match `filter`; the caller was checked by the registry. */
  async subscribe(caller: Caller, filter: EventFilter): Promise<AsyncIterableIterator<EventItem>> {
    if (this.#closed) throw new UnavailableError("the gateway is shutting down", 1);
    const key = caller.keyId ?? "anonymous";
    if (this.#subscribers.size >= this.limits.maxSubscriptions) {
      throw new TooManyRequestsError(`this gateway holds its maximum of ${this.limits.maxSubscriptions} subscriptions`, 60);
    }
    if ((this.#perKey.get(key) ?? 0) >= this.limits.maxSubscriptionsPerKey) {
      throw new TooManyRequestsError(`this API key holds its maximum of ${this.limits.maxSubscriptionsPerKey} subscriptions`, 60);
    }
    const subscriber: Subscriber = { caller, filter, stream: new EventStream(() => this.#remove(subscriber, key)) };
    this.#subscribers.add(subscriber);
    this.#perKey.set(key, (this.#perKey.get(key) ?? 0) + 1);
    try {
      await this.#activate();
    } catch (error) {
      subscriber.stream.close();
      throw error;
    }
    return subscriber.stream;
  }

  /** Ends every subscription and stops watching. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#pruneTimer);
    for (const subscriber of [...this.#subscribers]) subscriber.stream.close();
    await this.#deactivate();
    await this.#stopping;
  }

  #remove(subscriber: Subscriber, key: string): void {
    if (!this.#subscribers.delete(subscriber)) return;
    const left = (this.#perKey.get(key) ?? 1) - 1;
    if (left === 0) this.#perKey.delete(key);
    else this.#perKey.set(key, left);
    if (this.#subscribers.size === 0) this.#stopping = this.#deactivate();
  }

  /** The first subscriber starts the reader at the log's end; later ones join it. */
  async #activate(): Promise<void> {
    this.#active ??= (async () => {
      this.#cursor = await this.feed.latestSeq();
      const unwatch = this.feed.watch(() => void this.#pump());
      const recheck = setInterval(() => void this.#recheckAll(), this.limits.subscriptionRecheckMs).unref();
      return { unwatch, recheck };
    })();
    const active = this.#active;
    try {
      await active;
    } catch (error) {
      if (this.#active === active) this.#active = undefined; // the next subscriber tries again
      throw error;
    }
  }

  /** The last subscriber left: stop watching (each activation is undone by its own deactivation). */
  async #deactivate(): Promise<void> {
    const active = this.#active;
    if (!active) return;
    this.#active = undefined;
    clearTimeout(this.#retry);
    const started = await active.catch(() => undefined);
    if (!started) return;
    clearInterval(started.recheck);
    await started.unwatch();
  }

  /** Reads the log after the cursor and delivers it; one reader at a time, re-run if woken meanwhile. */
  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        for (;;) {
          const events = await this.feed.readAfter(this.#cursor, BATCH);
          for (const event of events) this.#deliver(event);
          if (events.length > 0) this.#cursor = events.at(-1)!.seq;
          if (events.length < BATCH) break;
        }
      } while (this.#again && this.#active);
    } catch (error) {
      this.log.warn({ err: error }, "reading new events failed; retrying");
      clearTimeout(this.#retry);
      this.#retry = setTimeout(() => void this.#pump(), RETRY_MS).unref();
    } finally {
      this.#pumping = false;
    }
  }

  #deliver(event: ModelEventRecord): void {
    for (const { filter, stream } of this.#subscribers) {
      if (filter.project === event.project && (filter.name === null || filter.name === event.name)) stream.push(event);
    }
  }

  /** Every key again, once per distinct key: revoked or no longer allowed to read ends its subscriptions. */
  async #recheckAll(): Promise<void> {
    const byKey = new Map<string | null, Subscriber[]>();
    for (const subscriber of this.#subscribers) {
      const key = subscriber.caller.keyId;
      byKey.set(key, [...(byKey.get(key) ?? []), subscriber]);
    }
    for (const subscribers of byKey.values()) {
      let current: Caller;
      try {
        current = await this.recheck(subscribers[0]!.caller);
      } catch (error) {
        if (error instanceof UnauthenticatedError || error instanceof ForbiddenError) {
          for (const subscriber of subscribers) subscriber.stream.end(error);
        } else {
          // The database is down (or worse): keep serving, check again next time.
          this.log.warn({ err: error }, "checking subscribers' keys again failed; retried at the next check");
        }
        continue;
      }
      for (const subscriber of subscribers) {
        subscriber.caller = current;
        if (!current.can(subscriber.filter.project, "read")) {
          subscriber.stream.end(new ForbiddenError(`this API key may no longer read project "${subscriber.filter.project}"`));
        }
      }
    }
  }
}
