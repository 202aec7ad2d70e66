import type { GatewayExecutor, GatewayInterface } from "@apollo/server-gateway-interface";
import {
  BREAK,
  execute,
  getNullableType,
  getVariableValues,
  GraphQLError,
  isInputObjectType,
  isListType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
  type VariableDefinitionNode,
} from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";

/** How often a document runs interpreted before it is compiled. */
export const COMPILE_AFTER_RUNS = 2;

/** An operation compiled, and the variables it declares (checked by graphql-js before each run). */
interface Plan {
  readonly query: CompiledQuery["query"];
  readonly variables: readonly VariableDefinitionNode[];
}

/** One document's operations: run counts until compiled, then the compiled query. */
interface DocumentPlans {
  runs: number;
  readonly compiled: Map<string, Plan | null>;
}

/** Documents whose runs are counted or whose compiled plans are kept, at most (least recently used go first). */
export const MAX_DOCUMENTS = 500;

/**
 * Executes operations with graphql-jit: a document that has run `COMPILE_AFTER_RUNS`
 * times is compiled to JavaScript once and every later run calls the compiled
 * function. Until then (a document seen once, e.g. a client probing with a new
 * query each time) it runs on graphql-js, so compiling cannot be made a cost of
 * every request. Plans are kept for the `maxDocuments` most recently used parsed
 * documents (Apollo hands the same document object for the same query text while
 * its own document cache holds it), so a client sending endless distinct queries
 * bounds the memory compiled code takes.
 *
 * A document graphql-jit cannot compile runs on graphql-js. Results are the same
 * as graphql-js's (data, errors with paths and locations, null propagation, the
 * wording of refused variables); Apollo formats and masks errors as before.
 *
 * Variables are graphql-js's to accept: graphql-jit 0.8 takes a JSON array where an
 * input object is expected (its check is `typeof value === "object"`), so `[]` would
 * pass as `{}` — on `updateModel`, "remove the lineage". An operation that declares
 * variables has them coerced by graphql-js first, and runs interpreted (which refuses
 * them, worded as ever) when graphql-js refuses them.
 *
 * A document graphql-jit would run differently (see `compilesFaithfully`), or one that
 * selects introspection (`__schema`, `__type`), always runs on graphql-js.
 */
export function jitExecutor(
  schema: GraphQLSchema,
  maxDocuments = MAX_DOCUMENTS,
): GatewayExecutor & { readonly documents: () => number; readonly compiled: () => number } {
  const plans = new Map<DocumentNode, DocumentPlans>();
  const interpreted = (document: DocumentNode, operationName: string | null, variables: unknown, context: unknown) =>
    execute({
      schema,
      document,
      operationName,
      contextValue: context,
      variableValues: variables as Record<string, unknown> | undefined,
    }) as Promise<ExecutionResult> | ExecutionResult;
  const planFor = (document: DocumentNode): DocumentPlans => {
    let entry = plans.get(document);
    if (entry)
      plans.delete(document); // re-inserted below: the most recently used
    else if (plans.size >= maxDocuments) plans.delete(plans.keys().next().value!);
    entry ??= { runs: 0, compiled: new Map() };
    plans.set(document, entry);
    return entry;
  };

  const executor: GatewayExecutor = async ({ document, request, context }) => {
    // What the client asked for, not what Apollo resolved: an unknown name must fail as in graphql-js.
    const operationName = request.operationName ?? null;
    const entry = planFor(document);
    const key = operationName ?? "";
    let plan = entry.compiled.get(key);
    if (plan === undefined) {
      if (++entry.runs <= COMPILE_AFTER_RUNS) return interpreted(document, operationName, request.variables, context);
      // A name the document does not define fails in graphql-js; remembering it would let names pile up.
      const operation = operationOf(document, operationName);
      if (!operation) return interpreted(document, operationName, request.variables, context);
      const result = compilesFaithfully(schema, document)
        ? compileQuery(schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true })
        : null;
      plan = result && isCompiledQuery(result) ? { query: result.query, variables: operation.variableDefinitions ?? [] } : null;
      entry.compiled.set(key, plan);
    }
    if (!plan || !acceptsVariables(schema, plan, request.variables))
      return interpreted(document, operationName, request.variables, context);
    const result = await plan.query(undefined, context, request.variables);
    if (!result.errors) return result;
    // Nothing ran (the variables were refused): graphql-js words that refusal, with the
    // variable's node, which is how Apollo knows it for BAD_USER_INPUT.
    if (result.data === undefined) return interpreted(document, operationName, request.variables, context);
    return { ...result, errors: result.errors.map(upstreamError) };
  };
  return Object.assign(executor, {
    documents: () => plans.size,
    compiled: () => [...plans.values()].reduce((n, entry) => n + [...entry.compiled.values()].filter(Boolean).length, 0),
  });
}

/** The operation a request runs: the named one, or the only one; undefined when graphql-js would refuse the name. */
function operationOf(document: DocumentNode, operationName: string | null): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName === null) return operations.length === 1 ? operations[0] : undefined;
  return operations.find((d) => d.name?.value === operationName);
}

/** Whether a literal holds a variable anywhere inside it. */
function holdsVariable(node: ValueNode): boolean {
  if (node.kind === Kind.VARIABLE) return true;
  if (node.kind === Kind.LIST) return node.values.some(holdsVariable);
  if (node.kind === Kind.OBJECT) return node.fields.some((field) => holdsVariable(field.value));
  return false;
}

/**
 * Whether `node`, given for `type`, has a variable inside a scalar's literal
 * (`tags: { team: $team }`): graphql-jit parses such a literal once, without the
 * variables, and writes the result into its code as JSON, so the variable's place
 * is dropped from an object and is null in a list.
 */
function hidesVariable(node: ValueNode, type: GraphQLInputType | undefined): boolean {
  if (node.kind === Kind.VARIABLE || type === undefined) return false;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const items = node.kind === Kind.LIST ? node.values : [node];
    return items.some((item) => hidesVariable(item, nullable.ofType));
  }
  if (isInputObjectType(nullable)) {
    if (node.kind !== Kind.OBJECT) return false;
    const fields = nullable.getFields();
    return node.fields.some((field) => hidesVariable(field.value, fields[field.name.value]?.type));
  }
  return holdsVariable(node);
}

/**
 * What begins each marker graphql-jit writes into its code for NaN, ±Infinity and dates
 * in literal arguments, then replaces throughout the JSON it generated: a client's string
 * holding one would turn into a number (`NaN`) or into code (`new Date(<the rest>)`).
 */
const JIT_MARKER = "__MAGIC_";

/**
 * Fields that introspect the schema. Under them a document is bounded by neither the depth
 * limit nor the cost model (`__schema` is one statement's cost, whatever it selects), while
 * graphql-jit writes code for every field a document selects, type by type, whatever the
 * answer holds: 15 aliases of a 2,500-token fragment on `__Type` took 2 s to compile on the
 * event loop against 140 ms to run. Their answers come from the schema in memory, so
 * compiling gains nothing.
 */
const INTROSPECTION_FIELDS: ReadonlySet<string> = new Set(["__schema", "__type"]);

/**
 * Whether graphql-jit runs `document` as graphql-js does, and compiling it costs in proportion
 * to running it: no variable inside a scalar's literal, no string or name holding graphql-jit's
 * marker, no name `__proto__` (graphql-jit writes literal arguments and answers as object
 * literals in its code, where that key sets the prototype: `tags: { __proto__: 1 }` lost the
 * tag, and a field so aliased was missing from the answer), and no introspection field.
 */
function compilesFaithfully(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let faithful = true;
  const refuse = () => {
    faithful = false;
    return BREAK;
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: (node) => (INTROSPECTION_FIELDS.has(node.name.value) ? refuse() : undefined),
      Argument: (node) => (hidesVariable(node.value, typeInfo.getArgument()?.type) ? refuse() : undefined),
      StringValue: (node) => (node.value.includes(JIT_MARKER) ? refuse() : undefined),
      Name: (node) => (node.value === "__proto__" || node.value.includes(JIT_MARKER) ? refuse() : undefined),
    }),
  );
  return faithful;
}

/** Whether graphql-js accepts the request's variables for the plan's operation (always, when it declares none). */
function acceptsVariables(schema: GraphQLSchema, plan: Plan, variables: Record<string, unknown> | undefined): boolean {
  if (plan.variables.length === 0) return true;
  return !("errors" in getVariableValues(schema, plan.variables, variables ?? {}, { maxErrors: 1 }));
}

/**
 * graphql-jit's errors are GraphQLErrors by prototype only: no `extensions` object
 * unless the original error had one, which Apollo's error formatting relies on.
 * The same error as graphql-js builds it (message, locations, path, original error).
 */
function upstreamError(error: GraphQLError): GraphQLError {
  const upstream = new GraphQLError(error.message, {
    path: error.path,
    ...(error.originalError ? { originalError: error.originalError } : {}),
    ...(error.extensions ? { extensions: error.extensions } : {}),
  });
  if (error.locations) (upstream as { locations?: GraphQLError["locations"] }).locations = error.locations;
  return upstream;
}

/**
 * The hook Apollo Server offers for a custom executor: a "gateway" that serves a
 * fixed schema and executes with `executor`. Apollo still parses, validates (with
 * every rule of ours), runs the plugins and formats errors.
 */
export function fixedSchemaGateway(schema: GraphQLSchema, executor: GatewayExecutor): GatewayInterface {
  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: "" });
      return () => {};
    },
    async stop() {},
  };
}
