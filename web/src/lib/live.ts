import { useCallback, useState } from "react";
import { useClient, useSubscription, type CombinedError } from "urql";
import { ModelEventsDocument, type ModelEventsSubscription, type ModelEventsSubscriptionVariables } from "../generated/graphql";
import { refetchShown } from "./client";

/** A page's live events, and what ended them if the server did. */
export interface LiveEvents {
  /** The latest event. */
  readonly event: ModelEventsSubscription["modelEvents"] | undefined;
  /** Why the events stopped (a revoked key, the subscription limit, a subscriber too far behind). */
  readonly stopped: CombinedError | undefined;
  /** Subscribes again and asks the queries on screen again (the events missed meanwhile reached no one). */
  readonly resume: () => void;
}

/**
 * The registry's events for a project (a family, with `name`). A subscription the server
 * ends with an error (graphql-ws does not retry those) used to end live updates without a
 * word; `stopped` says so, and `resume` starts them again.
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
  return { event: live.data?.modelEvents, stopped: live.error === resumedFrom ? undefined : live.error, resume };
}
