import { ArgsType, Field, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeResolver } from "graphql-scalars";

export enum ModelEventType {
  CREATED = "CREATED",
  OVERWRITTEN = "OVERWRITTEN",
  UPDATED = "UPDATED",
  DELETED = "DELETED",
  ALIAS_SET = "ALIAS_SET",
  ALIAS_REMOVED = "ALIAS_REMOVED",
}
registerEnumType(ModelEventType, {
  name: "ModelEventType",
  description: "What happened to a version.",
  valuesConfig: {
    CREATED: { description: "A new version was registered." },
    OVERWRITTEN: { description: "An existing version was replaced (createModel with overwrite)." },
    UPDATED: { description: "The version's metadata was edited (updateModel); its files are unchanged." },
    DELETED: { description: "The version was deleted." },
    ALIAS_SET: { description: "An alias (`alias`) was created or moved: it now points at `version`." },
    ALIAS_REMOVED: { description: "An alias (`alias`) that pointed at `version` was removed (removeAlias, or a forced deleteModel)." },
  },
});

@ObjectType({
  simpleResolvers: true,
  description:
    "A committed change to a version. Delivered only after the change committed: when it arrives, `model` " +
    "(and the model query) already returns the version, or null after DELETED.",
})
export class ModelEvent {
  @Field(() => ModelEventType)
  type!: ModelEventType;

  @Field(() => String)
  project!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => DateTimeResolver, { description: "When the change was recorded (in its transaction)." })
  at!: Date;

  @Field(() => String, { nullable: true, description: "The alias an ALIAS_SET or ALIAS_REMOVED is about; null otherwise." })
  alias!: string | null;
}

@ArgsType()
export class ModelEventsArgs {
  @Field(() => String, { nullable: true, description: "Defaults to the caller's project." })
  project?: string | null;

  @Field(() => String, { nullable: true, description: "One model's versions; omitted: every model of the project." })
  name?: string | null;
}
