import { useCallback, useEffect, useState } from "react";
import { useClient, useSubscription, type CombinedError } from "urql";
import { ModelEventsDocument, type ModelEventsSubscription, type ModelEventsSubscriptionVariables } from "../generated/graphql";
import { refetchShown } from "./client";
import { retryAfterSeconds } from "./throttle";

/** A page's live events, and what ended them if the server did. */
export interface LiveEvents {
  /** The latest event. */
  readonly event: ModelEventsSubscription["modelEvents"] | undefined;
  /** Why the events stopped (a revoked key, the subscription limit, a subscriber too far behind). */
  readonly stopped: CombinedError | undefined;
  /** Subscribes again and asks the queries on screen again (the events missed meanwhile reached no one). */
  readonly resume: () => void;
  /** Seconds after which stopped events resume by themselves: the wait the registry named (rate limit, outage). */
  readonly resumesIn: number | undefined;
}

/** The wait a refusal names (`extensions.retryAfterSeconds` of TOO_MANY_REQUESTS or UNAVAILABLE), if any. */
function waitNamedBy(error: CombinedError | undefined): number | undefined {
  const named = error?.graphQLErrors.find((e) => e.extensions?.code === "TOO_MANY_REQUESTS" || e.extensions?.code === "UNAVAILABLE");
  const seconds = named?.extensions?.retryAfterSeconds;
  return typeof seconds === "number" ? retryAfterSeconds(String(Math.ceil(seconds))) : undefined;
}

/**
 * The registry's events for a project (a family, with `name`). A subscription the server
 * ends with an error (graphql-ws does not retry those) used to end live updates without a
 * word; `stopped` says so, and `resume` starts them again (by itself after the wait a
 * rate limit or an outage names).
 */
export function useLiveEvents(variables: ModelEventsSubscriptionVariables): LiveEvents {
  const client = useClient();
  const [live, subscribe] = useSubscription({ query: ModelEventsDocument, variables });
  // urql keeps a subscription's last error until the new one answers, which for events is the
  // next event: the error resumed from is no longer said, a new subscription's own error is.
  const [resumedFrom, setResumedFrom] = useState<CombinedError | undefined>();
  const resume = useCallback(() => {
    setResumedFrom(live.error);
    subscribe({ requestPolicy: "network-only" });
    refetchShown(client);
  }, [client, subscribe, live.error]);
  const stopped = live.error === resumedFrom ? undefined : live.error;
  const resumesIn = waitNamedBy(stopped);
  // A refusal that names its wait (the rate limit, an outage, a subscriber too far behind) is
  // resumed by itself once it has passed, never sooner: asking at once would be refused again.
  useEffect(() => {
    if (resumesIn === undefined) return;
    const timer = setTimeout(resume, resumesIn * 1000);
    return () => clearTimeout(timer);
  }, [resumesIn, resume]);
  return { event: live.data?.modelEvents, stopped, resume, resumesIn };
}
