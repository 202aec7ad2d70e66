import { useSyncExternalStore } from "react";
import type { Throttle } from "../lib/throttle";

const WHY: Readonly<Record<string, string>> = {
  TOO_MANY_REQUESTS: "The registry is limiting this app's requests (too many requests)",
  UNAVAILABLE: "The registry is unavailable right now",
};

/**
 * Says, while the registry's `Retry-After` holds, that the app waits and for how long:
 * what is shown may be loading or out of date meanwhile, and nothing is wrong with the page.
 */
export function ThrottleNotice({ throttle }: { throttle: Throttle }) {
  const hold = useSyncExternalStore(throttle.subscribe, throttle.current);
  return (
    <div className="throttle" role="status">
      {hold && (
        <p>
          {WHY[hold.code]}: it asked to wait {hold.seconds} s, so the app waits before asking again (until{" "}
          {new Date(hold.until).toLocaleTimeString()}).
        </p>
      )}
    </div>
  );
}
