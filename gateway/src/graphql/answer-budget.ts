import type { GraphQLResolveInfo } from "graphql";
import { PayloadTooLargeError } from "../domain/errors.js";

/**
 * How much stored text one answer may carry: descriptions, tags, signatures, input
 * examples, flavors. The cost model prices these fields as the rows they come with
 * (a page of 500 versions with every field passes it), but each may hold up to its
 * registration limit (256 KiB for an input example): eight aliased pages of 500 such
 * versions made answers of hundreds of megabytes, and a few at once ended the process
 * in `JSON.stringify`. Charged as each field resolves, by the characters of its JSON;
 * the first field past the budget fails with PAYLOAD_TOO_LARGE, and the rest of the
 * answer's such fields are null without another error (a non-null one, `tags`, ends
 * its list there). A subscription's budget is per event.
 */
export class AnswerBudget {
  #spent = 0;
  #root: unknown = undefined;
  #exceeded = false;

  constructor(readonly maxChars: number) {}

  /**
   * `chars` more for the answer `info` belongs to: true while within the budget; throws
   * when it is exceeded, then false for a nullable field (`required` false) and throws
   * again for a non-null one.
   */
  charge(info: GraphQLResolveInfo, chars: number, required = false): boolean {
    if (info.rootValue !== this.#root) {
      // Another event of the same subscription: a new answer.
      this.#root = info.rootValue;
      this.#spent = 0;
      this.#exceeded = false;
    }
    if (this.#exceeded && !required) return false;
    this.#spent += chars;
    if (this.#spent <= this.maxChars) return true;
    this.#exceeded = true;
    throw new PayloadTooLargeError(
      `this answer would carry more than ${this.maxChars} characters of descriptions, tags, signatures, input examples ` +
        "and flavors: ask for fewer versions (first), or fewer of these fields",
    );
  }
}

/** The characters a JSON value takes in the answer. */
export const jsonChars = (value: unknown): number => (value == null ? 4 : (JSON.stringify(value)?.length ?? 0));
