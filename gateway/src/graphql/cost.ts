import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  isInterfaceType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from "graphql";
import { MAX_PAGE_SIZE } from "../domain/limits.js";
import { MAX_PARENTS } from "../domain/lineage.js";
import { MAX_METRIC_CONDITIONS, MAX_TAG_CONDITIONS } from "../domain/model-filter.js";

/**
 * The cost model, in units of "one row read and turned into an object".
 *
 * It follows the work the gateway really does: every root field runs its own SQL
 * statement(s), a page of N versions is read by one statement (its files and
 * metrics included), and the fields of a row are read by that same statement, so
 * selecting them is nearly free: only their resolution and serialisation remain.
 *
 * - a root field (query, mutation or subscription) and `totalCount`: STATEMENT;
 *   `ModelFamily.best` is not priced beyond its node: the page's bests are one statement per
 *   distinct (metric, direction), joining each family row, already charged, to its best row;
 *   `ModelParent.model` is a ROW per parent (a page's parents are one statement);
 * - a field with a page argument (`first`): N × (ROW + the cost of one node), where
 *   N is the literal `first`, the argument's default when it is omitted, and
 *   MAX_PAGE_SIZE when it comes from a variable (validation runs before variables
 *   are known: a variable is charged as the largest page the schema allows);
 * - a root list without a page argument (`apiKeys`, `projects`): charged as a
 *   full page, MAX_PAGE_SIZE rows;
 * - every other field: FIELD, plus the cost of its selection; a nested list without
 *   a page argument (files, metrics, grants, signature fields, a shape) counts
 *   NESTED_LIST_ITEMS items: its rows come with the page's one statement and its
 *   length is bounded by what was registered, not by the query;
 * - a version's lineage parents (`Lineage.parents`) inside another's parents count
 *   MAX_PARENTS items, the most a version may name: parents nest, and a guess of
 *   NESTED_LIST_ITEMS at every level would fall short by 4× per level (40 versions
 *   with 16 parents of 16 parents each read 10,920 rows for a cost of 1,032). Priced
 *   at the most from the second level on, the estimate of the parents' rows is short
 *   by at most the first level's 4×, at any depth;
 * - a field that does its own I/O (`Model.card`, a blob read) adds its OWN_COSTS
 *   (COST.BLOB_READ) wherever it is counted, so once per node of a page;
 * - a `filter` argument (`models`, `bestModel`): STATEMENT for the family and the
 *   counts of each condition's matches, plus STATEMENT per condition (each is
 *   counted from its index up to a bound, then tested or driven from); a condition
 *   list or tag object from a variable is charged as the most the server accepts;
 * - `__typename`: nothing; `__schema` and `__type`: STATEMENT (their size is
 *   bounded by the schema, their depth by the depth limit).
 *
 * Fragments count where they are spread (each fragment's cost is computed once,
 * so a document cannot make this estimate itself expensive). With the default
 * limit (5000) one page of 500 versions with every Model field costs about 3000
 * and passes; two such pages, 10 aliased pages of 500 versions, or 1,500 repeated
 * fields per node of a large page do not.
 */
export const COST = Object.freeze({
  STATEMENT: 10,
  ROW: 1,
  FIELD: 0.05,
  NESTED_LIST_ITEMS: 4,
  /**
   * A field that reads a blob when resolved (`Model.card`: up to 256 KiB from the
   * blob store, per version), charged per node. At 40, a page of 50 versions with
   * it costs ~2,100 and passes the default limit; 500 cost ~20,500 and are refused.
   */
  BLOB_READ: 40,
});

/**
 * Fields whose resolvers do work of their own beyond the row the statement read,
 * by schema coordinate. Named here rather than in the field's extensions so the
 * estimate is the same over the SDL (schema.graphql) as over the built schema.
 */
const OWN_COSTS: ReadonlyMap<string, number> = new Map([
  ["Model.card", COST.BLOB_READ],
  // A row per parent: a page's parents are read together, one statement (`Batch`).
  ["ModelParent.model", COST.ROW],
]);

/** A version's lineage parents: their versions have parents again, so the list nests. */
const PARENTS_FIELD = "Lineage.parents";

const PAGE_ARGUMENT = "first";
const FILTER_ARGUMENT = "filter";

/** The most conditions a filter holds: metric conditions, tags, framework and the two dates. */
const MAX_FILTER_CONDITIONS = MAX_METRIC_CONDITIONS + MAX_TAG_CONDITIONS + 3;

/** What a `filter` argument adds, per the model above: nothing when absent or null. */
function filterCost(value: ValueNode | undefined): number {
  if (value === undefined || value.kind === Kind.NULL) return 0;
  if (value.kind !== Kind.OBJECT) return COST.STATEMENT * (1 + MAX_FILTER_CONDITIONS);
  let conditions = 0;
  for (const field of value.fields) {
    const v = field.value;
    if (v.kind === Kind.NULL) continue;
    if (field.name.value === "metrics")
      conditions += v.kind === Kind.LIST ? v.values.length : v.kind === Kind.OBJECT ? 1 : MAX_METRIC_CONDITIONS;
    else if (field.name.value === "tags") conditions += v.kind === Kind.OBJECT ? v.fields.length : MAX_TAG_CONDITIONS;
    else conditions += 1;
  }
  return conditions === 0 ? 0 : COST.STATEMENT * (1 + conditions);
}

function pageSize(field: GraphQLField<unknown, unknown>, value: ValueNode | undefined): number | null {
  const argument = field.args.find((a) => a.name === PAGE_ARGUMENT);
  if (!argument) return null;
  if (value === undefined) return typeof argument.defaultValue === "number" ? argument.defaultValue : MAX_PAGE_SIZE;
  if (value.kind === Kind.INT) return Math.max(0, Number(value.value));
  if (value.kind === Kind.NULL) return typeof argument.defaultValue === "number" ? argument.defaultValue : MAX_PAGE_SIZE;
  // A variable (or a value of the wrong kind, which another rule reports): the largest page.
  return MAX_PAGE_SIZE;
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(getNullableType(type));
}

/** The estimated cost of one operation's selection, per the model above. */
export function operationCost(context: ValidationContext, selectionSet: SelectionSetNode, rootType: GraphQLCompositeType): number {
  const fragmentCosts = new Map<string, number>();
  const inProgress = new Set<string>();

  const fragmentCost = (fragment: FragmentDefinitionNode, atRoot: boolean, inParents: boolean): number => {
    const name = fragment.name.value;
    const key = `${atRoot ? "root" : "field"}:${inParents ? "parents" : ""}:${name}`;
    const known = fragmentCosts.get(key);
    if (known !== undefined) return known;
    // A cycle is reported by graphql's NoFragmentCyclesRule; it adds nothing here.
    if (inProgress.has(key)) return 0;
    const type = context.getSchema().getType(fragment.typeCondition.name.value);
    if (!type || !isCompositeType(type)) return 0;
    inProgress.add(key);
    const cost = selectionCost(fragment.selectionSet, type, atRoot, inParents);
    inProgress.delete(key);
    fragmentCosts.set(key, cost);
    return cost;
  };

  /** `inParents`: the selection is within a version's lineage parents (their versions, and what those lead to). */
  const selectionCost = (set: SelectionSetNode, parent: GraphQLCompositeType, atRoot: boolean, inParents = false): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = context.getFragment(selection.name.value);
        if (fragment) total += fragmentCost(fragment, atRoot, inParents);
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? context.getSchema().getType(selection.typeCondition.name.value) : parent;
        if (condition && isCompositeType(condition)) total += selectionCost(selection.selectionSet, condition, atRoot, inParents);
        continue;
      }
      const name = selection.name.value;
      if (name === "__typename") continue;
      if (name === "__schema" || name === "__type") {
        total += COST.STATEMENT;
        continue;
      }
      // Unknown fields (and fields of unions) are reported by other rules, or priced by their own selections.
      const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
      if (!field) continue;
      const named = getNamedType(field.type);
      total += filterCost(selection.arguments?.find((a) => a.name.value === FILTER_ARGUMENT)?.value);
      const page = pageSize(field, selection.arguments?.find((a) => a.name.value === PAGE_ARGUMENT)?.value);
      if (page !== null) {
        // A connection: its statement, and N rows whose every field that statement read.
        total += COST.STATEMENT + page * COST.ROW + pageChildren(selection.selectionSet, named, page, inParents);
        continue;
      }
      const coordinate = `${parent.name}.${name}`;
      const parents = coordinate === PARENTS_FIELD;
      const children =
        selection.selectionSet && isCompositeType(named) ? selectionCost(selection.selectionSet, named, false, inParents || parents) : 0;
      if (atRoot) {
        total += COST.STATEMENT + (isList(field.type) ? MAX_PAGE_SIZE * (COST.ROW + children) : children);
        continue;
      }
      if (name === "totalCount") {
        total += COST.STATEMENT;
        continue;
      }
      const own = OWN_COSTS.get(coordinate) ?? 0;
      const items = parents && inParents ? MAX_PARENTS : COST.NESTED_LIST_ITEMS;
      total += COST.FIELD + own + (isList(field.type) ? items * (COST.FIELD + children) : children);
    }
    return total;
  };

  /**
   * A connection's selection: `nodes` (a list) once per row, the rest
   * (pageInfo, totalCount) once per connection.
   */
  const pageFragments = new Map<string, number>();
  const pageChildren = (set: SelectionSetNode | undefined, type: GraphQLOutputType, rows: number, inParents: boolean): number => {
    if (!set || !(isObjectType(type) || isInterfaceType(type))) return 0;
    const fields = type.getFields();
    const visit = (s: SelectionSetNode): number => {
      let total = 0;
      for (const selection of s.selections) {
        if (selection.kind === Kind.FIELD) {
          const field = fields[selection.name.value];
          const node = field ? getNamedType(field.type) : undefined;
          if (field && node && isList(field.type) && selection.selectionSet && isCompositeType(node)) {
            total += rows * selectionCost(selection.selectionSet, node, false, inParents);
          } else {
            total += selectionCost({ kind: Kind.SELECTION_SET, selections: [selection] }, type, false, inParents);
          }
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          total += visit(selection.selectionSet);
        } else {
          const fragment = context.getFragment(selection.name.value);
          const key = `${rows}:${inParents ? "parents" : ""}:${selection.name.value}`;
          if (!fragment || inProgress.has(`page:${key}`)) continue;
          let cost = pageFragments.get(key);
          if (cost === undefined) {
            inProgress.add(`page:${key}`);
            cost = visit(fragment.selectionSet);
            inProgress.delete(`page:${key}`);
            pageFragments.set(key, cost);
          }
          total += cost;
        }
      }
      return total;
    };
    return visit(set);
  };

  return selectionCost(selectionSet, rootType, true);
}

/**
 * Refuses an operation whose estimated cost is over `maxCost` (GRAPHQL_VALIDATION_FAILED).
 * The message names the limit and the estimate, as graphql-armor's did.
 */
export function costLimitRule(maxCost: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(node) {
      const rootType = context.getSchema().getRootType(node.operation);
      if (!rootType) return;
      const cost = Math.ceil(operationCost(context, node.selectionSet, rootType));
      if (cost > maxCost) {
        context.reportError(new GraphQLError(`Query Cost limit of ${maxCost} exceeded, found ${cost}.`, { nodes: [node] }));
      }
    },
  });
}
