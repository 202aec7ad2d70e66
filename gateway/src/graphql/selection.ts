import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

/** Fields of `sets`, looking through fragment spreads and inline fragments. */
function fieldsOf(sets: readonly SelectionSetNode[], fragments: Record<string, FragmentDefinitionNode>): FieldNode[] {
  const fields: FieldNode[] = [];
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value) && fragments[selection.name.value]) {
        seen.add(selection.name.value);
        walk(fragments[selection.name.value]!.selectionSet);
      }
    }
  };
  sets.forEach(walk);
  return fields;
}

/**
 * Names of the fields selected at `path` below the field being resolved (e.g.
 * `["nodes"]` for a connection's nodes), through fragments and aliases.
 * Deliberately generous: `@skip`/`@include` are ignored, so a name that may be
 * selected is always in the set.
 */
export function selectedFieldNames(info: GraphQLResolveInfo, path: readonly string[] = []): Set<string> {
  let sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    sets = fieldsOf(sets, info.fragments).flatMap((field) => (field.name.value === name && field.selectionSet ? [field.selectionSet] : []));
  }
  return new Set(fieldsOf(sets, info.fragments).map((field) => field.name.value));
}
