/** Why the registry asked this app to wait: its rate limit (429), or it is unavailable (503). */
export type ThrottleCode = "TOO_MANY_REQUESTS" | "UNAVAILABLE";

/** A wait the registry asked for: until when (`Date.now()` time), and why. */
export interface ThrottleHold {
  readonly until: number;
  readonly code: ThrottleCode;
  /** The seconds asked for, as said to the user. */
  readonly seconds: number;
}

/**
 * The registry's last `Retry-After`, shared by every request of a client: while it
 * holds, requests wait instead of being sent (each would be refused, and counted
 * against the limit again), and the app says why it waits.
 */
export interface Throttle {
  /** The wait in force now, or null. */
  readonly current: () => ThrottleHold | null;
  /** The registry asked to wait `seconds` (a later end extends the wait, an earlier one does not shorten it). */
  readonly hold: (seconds: number, code: ThrottleCode) => void;
  /** Resolves once no wait is in force (at once when none is). */
  readonly wait: () => Promise<void>;
  /** Told whenever a wait begins or ends; returns the unsubscribe. */
  readonly subscribe: (listener: () => void) => () => void;
}

/** The longest wait taken from a `Retry-After`: a wrong header must not freeze the app for a day. */
const MAX_WAIT_SECONDS = 600;

/** A `Retry-After` (seconds, or an HTTP date) as whole seconds from now, or undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  const seconds = /^\d+$/.test(text) ? Number(text) : Math.ceil((Date.parse(text) - now) / 1000);
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(Math.max(seconds, 0), MAX_WAIT_SECONDS);
}

/** A throttle with no wait in force. */
export function createThrottle(): Throttle {
  let hold: ThrottleHold | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const listeners = new Set<() => void>();
  const waiting: (() => void)[] = [];
  const notify = () => listeners.forEach((listener) => listener());
  const release = () => {
    hold = null;
    timer = undefined;
    waiting.splice(0).forEach((resolve) => resolve());
    notify();
  };
  return {
    current: () => hold,
    hold: (seconds, code) => {
      const until = Date.now() + seconds * 1000;
      if (hold && hold.until >= until) return;
      hold = { until, code, seconds };
      clearTimeout(timer);
      timer = setTimeout(release, until - Date.now());
      notify();
    },
    wait: () => (hold ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve()),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** The error code a throttling status stands for. */
const THROTTLING: Readonly<Record<number, ThrottleCode>> = { 429: "TOO_MANY_REQUESTS", 503: "UNAVAILABLE" };

/**
 * `fetch` for the registry's client: a request made while a wait is in force is sent
 * once it ends (an abort meanwhile rejects it unsent), and a 429 or 503 answer with a
 * `Retry-After` starts one.
 */
export function throttledFetch(throttle: Throttle, send: typeof fetch = globalThis.fetch.bind(globalThis)): typeof fetch {
  return async (input, init) => {
    if (throttle.current()) {
      const signal = init?.signal;
      await new Promise<void>((resolve, reject) => {
        const aborted = () =>
          reject(signal?.reason instanceof Error ? signal.reason : new DOMException("The request was aborted.", "AbortError"));
        if (signal?.aborted) return aborted();
        signal?.addEventListener("abort", aborted, { once: true });
        void throttle.wait().then(() => (signal?.removeEventListener("abort", aborted), resolve()));
      });
    }
    const response = await send(input, init);
    const code = THROTTLING[response.status];
    const seconds = code && retryAfterSeconds(response.headers.get("retry-after"));
    if (code && seconds !== undefined) throttle.hold(seconds, code);
    return response;
  };
}
