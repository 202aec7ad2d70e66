import type { Logger } from "pino";
import type { AccessService } from "../access/access.service.js";
import type { Caller } from "../access/caller.js";
import type { RegistryService } from "../registry/registry.service.js";
import type { AnswerBudget } from "./answer-budget.js";
import type { DeliveryTurns } from "./delivery-turns.js";

/** Per-request state handed to every resolver. */
export interface Context {
  readonly registry: RegistryService;
  readonly access: AccessService;
  /** Authenticated before the request reached GraphQL. */
  readonly caller: Caller;
  /** Absolute origin download URLs are built on, e.g. `http://localhost:4000`. */
  readonly baseUrl: string;
  readonly log: Logger;
  /** The stored text this answer may still carry (none counted when absent). */
  readonly answer?: AnswerBudget;
  /** A subscription's connection: its subscriptions deliver one at a time. */
  readonly deliveries?: DeliveryTurns;
}
