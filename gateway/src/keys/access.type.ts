import { Field, InputType, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeResolver } from "graphql-scalars";

export enum RoleEnum {
  READ = "read",
  WRITE = "write",
  ADMIN = "admin",
}
registerEnumType(RoleEnum, {
  name: "Role",
  description: "read: query and download; write: also create and delete models; admin: also manage keys.",
});

@ObjectType({ simpleResolvers: true, description: "A role on a project; project * means every project." })
export class Grant {
  @Field(() => String)
  project!: string;

  @Field(() => RoleEnum)
  role!: RoleEnum;
}

@InputType()
export class GrantInput {
  @Field(() => String, { description: "A project name, or * for every project (global admins only)." })
  project!: string;

  @Field(() => RoleEnum)
  role!: RoleEnum;
}

@ObjectType({ simpleResolvers: true, description: "An API key, without its secret." })
export class ApiKey {
  @Field(() => String)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [Grant])
  grants!: Grant[];

  @Field(() => DateTimeResolver)
  createdAt!: Date;

  @Field(() => String, { nullable: true, description: "Id of the key that created this one." })
  createdBy!: string | null;

  @Field(() => DateTimeResolver, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType({ simpleResolvers: true })
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey!: ApiKey;

  @Field(() => String, { description: "The key to send as Authorization: Bearer …; shown only this once." })
  secret!: string;
}

@ObjectType({ simpleResolvers: true })
export class Project {
  @Field(() => String)
  name!: string;

  @Field(() => DateTimeResolver)
  createdAt!: Date;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String, { description: "What the key is for, e.g. ci-training." })
  name!: string;

  @Field(() => [GrantInput])
  grants!: GrantInput[];
}
