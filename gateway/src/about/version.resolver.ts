import { Field, ObjectType, Query, Resolver } from "type-graphql";
import { GATEWAY_VERSION, SCHEMA_VERSION } from "../domain/version.js";

@ObjectType({
  simpleResolvers: true,
  description: "What this gateway runs: its release and the version of the GraphQL contract it serves.",
})
export class ServerVersion {
  @Field(() => String, { description: "The gateway's release (semver), as /healthz reports it." })
  gateway!: string;

  @Field(() => String, {
    description: "The GraphQL contract, major.minor: minors only add; clients check the major they speak.",
  })
  schema!: string;
}

const VERSION: ServerVersion = { gateway: GATEWAY_VERSION, schema: SCHEMA_VERSION };

/** Needs no role on any project; /healthz reports the same without a key. */
@Resolver()
export class VersionResolver {
  @Query(() => ServerVersion, {
    description: "The gateway's release and schema version; needs no role (GET /healthz answers it without a key).",
  })
  version(): ServerVersion {
    return VERSION;
  }
}
