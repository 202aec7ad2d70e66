import { GraphQLError, Kind, OperationTypeNode, type ASTNode, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";
import type { ValidationRule } from "graphql";

/** The first selection of a subscription's root (through its fragments) that a directive may leave out. */
function conditionalRoot(
  selections: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  seen: Set<string>,
): ASTNode | undefined {
  for (const selection of selections.selections) {
    if (selection.directives?.some((d) => d.name.value === "skip" || d.name.value === "include")) return selection;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const found = conditionalRoot(selection.selectionSet, fragments, seen);
      if (found) return found;
    } else if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
      // A fragment's cycle is reported by graphql's own rule, later: here it is walked once.
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      const found = fragment && conditionalRoot(fragment.selectionSet, fragments, seen);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * A subscription's field may not be conditional (`@skip`, `@include`), as the GraphQL
 * specification's draft and graphql-js 17 say. graphql-js 16 subscribed to a skipped field
 * with a TypeError, and its own single-field rule reads those directives without the
 * request's variables and throws when one names a variable: an internal error over HTTP
 * (500) and on the socket (4500, a stack on the console). Reported from the document's
 * visit, which returns null: the visit ends there, before that rule reads the operation.
 */
export const unconditionalSubscriptionField: ValidationRule = (context) => ({
  Document(document) {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== OperationTypeNode.SUBSCRIPTION) continue;
      const conditional = conditionalRoot(definition.selectionSet, fragments, new Set());
      if (conditional) {
        context.reportError(new GraphQLError("a subscription's field may not carry @skip or @include", { nodes: [conditional] }));
        return null;
      }
    }
    return undefined;
  },
});
