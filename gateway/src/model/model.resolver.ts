import type { GraphQLResolveInfo } from "graphql";
import type { FileUpload } from "graphql-upload-minimal";
import { Arg, Args, Ctx, FieldResolver, Float, ID, Info, Mutation, Query, Resolver, Int, Root } from "type-graphql";
import { JSONObjectResolver } from "graphql-scalars";
import type { Context } from "../graphql/context.js";
import type { IncomingFile } from "../registry/incoming-file.js";
import {
  type FileRecord,
  type FlavorsRecord,
  type LargeColumn,
  EDITABLE_LARGE_COLUMNS,
  type LargeColumnsRead,
  type MetricRecord,
  type ModelParts,
  type ModelRecord,
  type ModelRef,
} from "../domain/records.js";
import { toDomainError } from "../http/error-map.js";
import { BadInputError, ConflictError } from "../domain/errors.js";
import { quote } from "../domain/text.js";
import { selectedFieldNames } from "../graphql/selection.js";
import { jsonChars } from "../graphql/answer-budget.js";
import { requestBatch } from "../graphql/batch.js";
import { RawJson } from "../graphql/raw-json.js";
import { BestModelArgs, DeleteModelArgs, ModelArgs, ModelLookupArgs, ModelsArgs } from "./model.args.js";
import { CreateModelInput, UpdateModelInput, type ModelFileInput } from "./model.input.js";
import { Metric, Model, ModelConnection, ModelFile } from "./model.type.js";
import { archiveUrl, downloadUrl } from "../http/urls.js";

/** Adapts a multipart upload to the transport-free IncomingFile. */
function incomingFile(input: ModelFileInput): IncomingFile {
  const upload = Promise.resolve(input.file);
  return {
    path: input.path,
    source: input.file,
    async open() {
      try {
        return (await upload).createReadStream();
      } catch (error) {
        // The upload never arrived whole: the multipart parser refused the body or it broke
        // off. How far the body got before we asked depends on timing, so both are the client's.
        throw (
          toDomainError(error) ??
          new BadInputError(
            `the upload of ${quote(input.path)} could not be read: the request body ended early or is malformed`,
            "input.files",
          )
        );
      }
    },
    skip() {
      upload.then((file: FileUpload) => file.createReadStream().resume()).catch(() => {});
    },
  };
}

/**
 * The parts of a version the operation selects, read with the version in one
 * statement: a version is seen whole, as of one moment, or not at all.
 */
export function selectedParts(info: GraphQLResolveInfo, path: readonly string[] = []): ModelParts {
  // A compiled query (graphql-jit) hands every run the same field nodes: their parts are worked out once.
  let byPath = partsOfFields.get(info.fieldNodes);
  const key = path.join(".");
  const known = byPath?.get(key);
  if (known) return known;
  const names = selectedFieldNames(info, path);
  const parts: ModelParts = Object.freeze({
    metrics: names.has("metrics") || names.has("metric"),
    files: names.has("files"),
    flavors: names.has("flavors") || names.has("tfMetaGraphTags"),
    examples: names.has("signature") || names.has("inputExample"),
    // Their columns sized with the version, and read once the answer's budget has taken the size.
    largeSizes: true,
    skipTags: !names.has("tags"),
    skipDescription: !names.has("description"),
    card: names.has("card"),
    lineage: names.has("lineage"),
    aliases: names.has("aliases"),
  });
  if (!byPath) partsOfFields.set(info.fieldNodes, (byPath = new Map<string, ModelParts>()));
  byPath.set(key, parts);
  return parts;
}

/** Parts by field nodes (an operation's, alive while its document is) and path below them. */
const partsOfFields = new WeakMap<GraphQLResolveInfo["fieldNodes"], Map<string, ModelParts>>();

/** A part the query resolver did not read: a bug in `selectedParts`, never a reason to read it separately. */
function part<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`model ${name} were not read with the version`);
  return value;
}

@Resolver(() => Model)
export class ModelResolver {
  @Query(() => Model, {
    nullable: true,
    description: "One version, by number or by an alias pointing at it (exactly one of the two); null when absent.",
  })
  model(
    @Args(() => ModelLookupArgs) args: ModelLookupArgs,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ModelRecord | null> {
    return ctx.registry.findModel(ctx.caller, args, selectedParts(info));
  }

  @Query(() => ModelConnection, {
    description: "Versions of a model sorted by a metric (missing last, ties by version descending) or by version.",
  })
  models(@Args(() => ModelsArgs) args: ModelsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return queryFields.models(undefined, args, ctx, info);
  }

  @Query(() => Model, { nullable: true, description: "The first version of that metric sort; null when none has it." })
  bestModel(
    @Args(() => BestModelArgs) args: BestModelArgs,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ModelRecord | null> {
    return ctx.registry.bestModel(ctx.caller, { ...args, parts: selectedParts(info) });
  }

  @Mutation(() => Model, { description: "Registers a version atomically: all its files and metadata, or nothing." })
  createModel(@Arg("input", () => CreateModelInput) input: CreateModelInput, @Ctx() ctx: Context): Promise<ModelRecord> {
    return mutationFields.createModel(undefined, { input }, ctx);
  }

  @Mutation(() => Model, {
    description:
      "Edits a version's metadata (description, tags, metrics) atomically, without re-uploading: files never change. " +
      "Needs write on the project. Records an UPDATED event and raises the version's revision by one.",
  })
  updateModel(
    @Args(() => ModelArgs) args: ModelArgs,
    @Arg("input", () => UpdateModelInput) input: UpdateModelInput,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ModelRecord> {
    // The edited version is read back inside the edit's transaction: only what the mutation selects,
    // its large columns too (one version, at most their registration limits). Read by row id after
    // the commit, a delete in between made an applied edit answer CONFLICT ("nothing changed" to the SDK).
    const parts = selectedParts(info);
    return ctx.registry.updateModel(ctx.caller, args, input, parts.largeSizes ? { ...parts, largeSizes: false } : parts);
  }

  @Mutation(() => Boolean, {
    description:
      "Deletes a version and reclaims files no other version uses. CONFLICT when aliases point at it " +
      "(extensions.aliases names them), unless force.",
  })
  async deleteModel(@Args(() => DeleteModelArgs) args: DeleteModelArgs, @Ctx() ctx: Context): Promise<boolean> {
    await ctx.registry.deleteModel(ctx.caller, args, { force: args.force });
    return true;
  }

  @FieldResolver(() => ID)
  id(@Root() model: ModelRecord): string {
    return modelFields.id(model);
  }

  @FieldResolver(() => [Metric], { description: "Ordered by key." })
  metrics(@Root() model: ModelRecord): readonly MetricRecord[] {
    return modelFields.metrics(model);
  }

  @FieldResolver(() => Float, { nullable: true, description: "One metric's value; null when absent." })
  metric(@Root() model: ModelRecord, @Arg("key", () => String) key: string): number | null {
    return modelFields.metric(model, { key });
  }

  @FieldResolver(() => [ModelFile], { description: "Ordered by path." })
  files(@Root() model: ModelRecord, @Ctx() ctx: Context): ModelFile[] {
    return modelFields.files(model, {}, ctx);
  }

  @FieldResolver(() => JSONObjectResolver, {
    nullable: true,
    description:
      "Each MLmodel flavor's own details, by flavor name (e.g. sklearn_version, serialization_format, loader_module, " +
      "python_version): how to load the model. `framework` is the headline; null when none were given.",
  })
  flavors(
    @Root() model: ModelRecord,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): FlavorsRecord | null | Promise<FlavorsRecord | null> {
    return modelFields.flavors(model, {}, ctx, info);
  }

  @FieldResolver(() => [String], {
    nullable: true,
    description: "The tags identifying the model's MetaGraph inside a TensorFlow SavedModel; null when absent.",
  })
  tfMetaGraphTags(
    @Root() model: ModelRecord,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): readonly string[] | null | Promise<readonly string[] | null> {
    return modelFields.tfMetaGraphTags(model, {}, ctx, info);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The model card: the text of the version's top-level file at exactly `README.md` (case-sensitive), read from the " +
      "blob store when selected. Null when there is none, when it is larger than 256 KiB (download it from `files` " +
      "instead) or when it is not UTF-8. UNTRUSTED markdown written by whoever registered the version: the gateway " +
      "does not sanitise it; clients must before rendering (no raw HTML, no script URLs). Costly in the query cost " +
      "model (a blob read per version): a page of about 100 versions selecting it passes the default limit, 500 do not.",
  })
  card(@Root() model: ModelRecord, @Ctx() ctx: Context): Promise<string | null> {
    return modelFields.card(model, {}, ctx);
  }

  @FieldResolver(() => [String], { description: "The aliases pointing at this version, by name." })
  aliases(@Root() model: ModelRecord): readonly string[] {
    return modelFields.aliases(model);
  }

  @FieldResolver(() => String, { description: "Plain HTTP GET streams every file of the version as one tar archive." })
  archiveUrl(@Root() model: ModelRecord, @Ctx() ctx: Context): string {
    return modelFields.archiveUrl(model, {}, ctx);
  }
}

/** A file as `Model.files` answers it: its download URL is encoded only when a query asks for it. */
class VersionFile implements ModelFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;

  constructor(
    file: FileRecord,
    private readonly version: ModelRef,
    private readonly baseUrl: string,
  ) {
    this.path = file.path;
    this.sizeBytes = file.sizeBytes;
    this.sha256 = file.sha256;
  }

  get downloadUrl(): string {
    return downloadUrl(this.baseUrl, this.version, this.path);
  }
}

/**
 * Whether the answer's budget of stored text takes `chars` more: true; false for a nullable
 * field past it (null; the first such throws the budget's error, which graphql-js answers for
 * that field alone); a rejected promise for a non-null field past it. Never a synchronous throw
 * for those: graphql-js (16.15) stops completing a list at an item that throws synchronously
 * and never waits on the items before it, and one of those whose own fields went past the
 * budget (it settles as a rejected promise) then rejected with nothing to handle it, which
 * ended the process (`{ nodes { signature { inputs { name } } tags } }` past the budget).
 */
function budgetTakes(
  ctx: Context | undefined,
  info: GraphQLResolveInfo | undefined,
  chars: number,
  required: boolean,
): boolean | Promise<never> {
  if (!ctx?.answer || !info) return true;
  try {
    return ctx.answer.charge(info, chars, required);
  } catch (error) {
    if (required) return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

/** `value`, if the answer's budget of stored text takes `chars` more (`budgetTakes`). */
function charged<T>(
  value: T,
  chars: number,
  ctx: Context | undefined,
  info: GraphQLResolveInfo | undefined,
  required = false,
): T | null | Promise<never> {
  const taken = budgetTakes(ctx, info, chars, required);
  return taken === true ? value : taken === false ? null : taken;
}

/** A large column of one version, as the request's batch of such reads takes it. */
interface LargeRead {
  readonly model: ModelRecord;
  readonly column: LargeColumn;
}

type Large<C extends LargeColumn> = NonNullable<ModelRecord[C]>;

/** The characters a large column's value takes in the answer: the description's own, the others' as JSON. */
const answerChars = (column: LargeColumn, value: unknown): number =>
  column === "description" ? ((value as string | null)?.length ?? 0) : jsonChars(value);

/** The value a large column's stored text is answered as: the description as it is, JSON scalars as their text, the rest parsed. */
function fromStoredText(column: LargeColumn, text: string): unknown {
  switch (column) {
    case "description":
      return text;
    case "tags":
    case "inputExample":
    case "flavors":
      return new RawJson(text);
    default:
      return JSON.parse(text);
  }
}

const largeReadKey = (read: LargeRead) => `${read.model.id}/${read.column}`;

/** The request's reads of large columns: those its resolvers ask for in one tick, in one statement. */
function largeReads(ctx: Context) {
  return requestBatch<LargeRead, LargeColumnsRead>(
    ctx,
    "large",
    async (reads) => {
      const found = await ctx.registry.readLarge(
        ctx.caller,
        reads.map((read) => ({ id: read.model.id, column: read.column, project: read.model.project })),
      );
      const byRead = new Map<string, LargeColumnsRead>();
      for (const read of reads) {
        const values = found.get(read.model.id);
        if (values) byRead.set(largeReadKey(read), values);
      }
      return byRead;
    },
    largeReadKey,
  );
}

/**
 * A large column's value (`LARGE_COLUMNS`: each may hold up to its registration limit).
 * Read with the version (an event, an edit's answer), it is charged as it is. Otherwise the
 * version was read with their sizes (`largeSizes`): the answer's budget takes the size
 * first, and only then is the value read, in one statement with the rest of the page's,
 * so a page past the budget is refused before its columns are in memory. The `JSON` and
 * `JSONObject` fields (the tags, the input example, the flavors) are answered as the text
 * read (`RawJson`): in memory they take what the budget charged, never what they would
 * parse into. A description or tags edited in between (the row's revision moved) answer
 * CONFLICT, as a version deleted or replaced does: the size charged was another text's.
 */
function large<C extends LargeColumn>(
  model: ModelRecord,
  column: C,
  ctx: Context | undefined,
  info: GraphQLResolveInfo | undefined,
  required = false,
): Large<C> | null | Promise<Large<C> | null> {
  const read = model[column];
  if (read !== undefined) return charged(read ?? null, answerChars(column, read), ctx, info, required);
  const bytes = part<number | null>(part(model.largeSizes, column)[column], column);
  if (bytes === null) return charged(null, answerChars(column, null), ctx, info, required);
  if (!ctx) throw new Error(`model ${column} was not read with the version, and there is no request to read it in`);
  const taken = budgetTakes(ctx, info, bytes, required);
  if (taken !== true) return taken === false ? null : taken;
  return largeReads(ctx)
    .get({ model, column })
    .then((found) => {
      if (!found || (EDITABLE_LARGE_COLUMNS.has(column) && found.revision !== model.revision)) {
        const ref = `${model.project}/${model.name}@${model.version}`;
        throw new ConflictError(`version ${quote(ref)} was edited, deleted or replaced while this answer was being read: ask again`);
      }
      const text = found.texts[column];
      // Typed as the record's value; a RawJson is written into the answer as that value's JSON.
      return (text == null ? null : fromStoredText(column, text)) as Large<C> | null;
    });
}

/**
 * What `Model`'s field resolvers compute, as plain GraphQL resolvers. type-graphql
 * wraps each method above in a function that, on every call, copies the root into
 * a new `Model` and rebuilds the argument list — about 1.5 µs a field, paid per
 * version of a page (50 × `metric` is ~70 µs a request). `buildRegistrySchema`
 * binds these to the schema directly; the methods above define the fields' types
 * and descriptions and call the same functions.
 */
export const modelFields = {
  // The stored text a version holds up to its registration limits, counted against the answer's budget.
  description: (model: ModelRecord, _args: unknown, ctx?: Context, info?: GraphQLResolveInfo) => large(model, "description", ctx, info),
  // Non-null: past the budget the error ends its list (`AnswerBudget`). Short tags came with the page, as their text.
  tags: (model: ModelRecord, _args: unknown, ctx?: Context, info?: GraphQLResolveInfo) =>
    model.tagsText === undefined
      ? large(model, "tags", ctx, info, true)
      : charged(new RawJson(model.tagsText) as unknown as ModelRecord["tags"], model.tagsText.length, ctx, info, true),
  signature: (model: ModelRecord, _args: unknown, ctx?: Context, info?: GraphQLResolveInfo) => large(model, "signature", ctx, info),
  inputExample: (model: ModelRecord, _args: unknown, ctx?: Context, info?: GraphQLResolveInfo) => large(model, "inputExample", ctx, info),
  id: (model: ModelRecord): string => Buffer.from(`Model:${model.project}/${model.name}@${model.version}`).toString("base64url"),
  metrics: (model: ModelRecord): readonly MetricRecord[] => part(model.metrics, "metrics"),
  metric: (model: ModelRecord, args: { readonly key: string }): number | null =>
    part(model.metrics, "metrics").find((m) => m.key === args.key)?.value ?? null,
  files: (model: ModelRecord, _args: unknown, ctx: Context): ModelFile[] =>
    part<readonly FileRecord[]>(model.files, "files").map((f) => new VersionFile(f, model, ctx.baseUrl)),
  archiveUrl: (model: ModelRecord, _args: unknown, ctx: Context): string => archiveUrl(ctx.baseUrl, model),
  flavors: (model: ModelRecord, _args?: unknown, ctx?: Context, info?: GraphQLResolveInfo) => large(model, "flavors", ctx, info),
  tfMetaGraphTags: (model: ModelRecord, _args?: unknown, ctx?: Context, info?: GraphQLResolveInfo) =>
    large(model, "tfMetaGraphTags", ctx, info),
  card: (model: ModelRecord, _args: unknown, ctx: Context): Promise<string | null> => ctx.registry.readCard(ctx.caller, model),
  aliases: (model: ModelRecord): readonly string[] => part(model.aliases, "aliases"),
} as const;

/**
 * Registration, bound to the schema directly as `queryFields` are: type-graphql's
 * wrapper would copy the input, its metrics, files and signature into instances of
 * their input classes on every call (validation is off, and the classes have no
 * behaviour, so the copy only allocates).
 */
export const mutationFields = {
  createModel: (_root: unknown, args: { readonly input: CreateModelInput }, ctx: Context): Promise<ModelRecord> =>
    ctx.registry.createModel(ctx.caller, { ...args.input, files: args.input.files?.map(incomingFile) }),
} as const;

/**
 * Root fields on the hottest path, bound to the schema directly by
 * `buildRegistrySchema` as `modelFields` are: type-graphql's wrapper would copy the
 * arguments into `ModelsArgs` and `ModelFilter` instances on every call (validation
 * is off, so the copy checks nothing the schema has not). The decorated methods
 * above define the fields and call the same functions.
 */
export const queryFields = {
  models: async (_root: unknown, args: ModelsArgs, ctx: Context, info: GraphQLResolveInfo) => {
    const page = await ctx.registry.listModels(ctx.caller, { ...args, parts: selectedParts(info, ["nodes"]) });
    // The page is its own PageInfo (hasNextPage, and endCursor encoded when read).
    return { nodes: page.nodes, pageInfo: page, countVersions: page.totalCount };
  },
} as const;

@Resolver(() => ModelConnection)
export class ModelConnectionResolver {
  @FieldResolver(() => Int, { description: "Versions of the model in all, whatever the filter." })
  totalCount(@Root() connection: ModelConnection): Promise<number> {
    return connection.countVersions();
  }
}
