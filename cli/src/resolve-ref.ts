import { formatModelRef, RegistryError, type Model, type ModelReference, type ModelRegistry } from "@homer/sdk";

/** The version a reference names, or NOT_FOUND worded for it. */
export async function resolveRef(registry: ModelRegistry, ref: ModelReference): Promise<Model> {
  const model = await registry.getModel(formatModelRef(ref));
  if (model) return model;
  const { name, selector } = ref;
  const why =
    selector.kind === "best"
      ? `no version of ${name} has the metric ${selector.metric}`
      : selector.kind === "alias"
        ? `${name} has no alias ${selector.alias} (homer alias ls ${name})`
        : selector.kind === "latest"
          ? `${name} has no versions`
          : `${formatModelRef(ref)} not found`;
  throw new RegistryError("NOT_FOUND", why);
}
