import { TooManyRequestsError } from "../domain/errors.js";
import type { ModelEventRecord } from "../domain/records.js";

/**
 * What a subscription yields: events, and at most one error as its last item
 * (the transport turns it into the subscription's error, then completes: an
 * iterator that threw would take the whole connection down with it).
 */
export type EventItem = ModelEventRecord | Error;

/** Events a subscriber may fall behind by before its subscription is ended. */
export const MAX_QUEUED_EVENTS = 1_000;

/** One subscriber's queue: bounded, ended by the hub (an error) or by the subscriber (`return`). */
export class EventStream implements AsyncIterableIterator<EventItem> {
  readonly #queue: EventItem[] = [];
  #waiting: ((result: IteratorResult<EventItem>) => void) | undefined;
  #ending = false;
  #closed = false;

  constructor(private readonly onClose: () => void) {}

  push(event: ModelEventRecord): void {
    if (this.#ending) return;
    if (this.#queue.length >= MAX_QUEUED_EVENTS) {
      this.end(new TooManyRequestsError(`the subscriber fell more than ${MAX_QUEUED_EVENTS} events behind; subscribe again`, 1));
      return;
    }
    this.#offer(event);
  }

  /** Delivers `error` after what is queued, then ends. */
  end(error: Error): void {
    if (this.#ending) return;
    this.#offer(error);
    this.#ending = true;
  }

  /** Ends at once, dropping anything queued. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ending = true;
    this.#queue.length = 0;
    this.onClose();
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = undefined;
  }

  #offer(item: EventItem): void {
    if (this.#waiting) {
      this.#waiting({ value: item, done: false });
      this.#waiting = undefined;
    } else {
      this.#queue.push(item);
    }
  }

  next(): Promise<IteratorResult<EventItem>> {
    const item = this.#queue.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#ending || this.#closed) {
      this.close();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  return(): Promise<IteratorResult<EventItem>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<EventItem> {
    return this;
  }
}
