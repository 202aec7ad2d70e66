import { Field, Float, InputType } from "type-graphql";
import { DateTimeResolver, JSONObjectResolver } from "graphql-scalars";
import { MAX_METRIC_CONDITIONS, MAX_TAG_CONDITIONS } from "../domain/model-filter.js";
import { Framework } from "./model.type.js";

@InputType({
  description:
    "A condition on one metric: one bound (gt, gte, lt or lte), a range (a lower and an upper bound) or eq. " +
    "Versions without the metric do not match.",
})
export class MetricCondition {
  @Field(() => String, { description: "A metric key (the name rule)." })
  key!: string;

  @Field(() => Float, { nullable: true })
  gt?: number | null;

  @Field(() => Float, { nullable: true })
  gte?: number | null;

  @Field(() => Float, { nullable: true })
  lt?: number | null;

  @Field(() => Float, { nullable: true })
  lte?: number | null;

  @Field(() => Float, { nullable: true })
  eq?: number | null;
}

@InputType({ description: "Versions that match every condition given; an empty filter keeps every version." })
export class ModelFilter {
  @Field(() => [MetricCondition], { nullable: true, description: `At most ${MAX_METRIC_CONDITIONS}, one per key.` })
  metrics?: MetricCondition[] | null;

  @Field(() => JSONObjectResolver, {
    nullable: true,
    description: `Tags the version has with exactly these values (strings, numbers or booleans); at most ${MAX_TAG_CONDITIONS}.`,
  })
  tags?: Record<string, unknown> | null;

  @Field(() => Framework, { nullable: true })
  framework?: Framework | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "Created strictly after this instant." })
  createdAfter?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "Created strictly before this instant; before createdAfter: no version." })
  createdBefore?: Date | null;
}
