import { RegistryError } from "./errors.js";
import type { LineageInput, ModelFieldsFragment } from "./generated/graphql.js";
import type { Lineage, LineageOptions, ModelParentRef, ParentRef } from "./types.js";

/** `name@version` or `project/name@version`. */
const PARENT = /^(?:([^/@\s]+)\/)?([^/@\s]+)@([0-9]+)$/;

/** A parent as the schema takes it: `"base@3"`, `"project/base@3"` or `{ name, version, project? }`. */
export function parseParent(parent: ParentRef, field: string): { project?: string; name: string; version: number } {
  if (typeof parent === "string") {
    const match = PARENT.exec(parent);
    if (!match) {
      throw new RegistryError(
        "BAD_USER_INPUT",
        `${field} ${JSON.stringify(parent)} is not a version: use name@version or project/name@version`,
        {
          field,
        },
      );
    }
    const [, project, name, version] = match;
    return { ...(project === undefined ? {} : { project }), name: name!, version: Number(version) };
  }
  if (typeof parent !== "object" || parent === null || Array.isArray(parent)) {
    throw new RegistryError("BAD_USER_INPUT", `${field} must be "name@version" or { name, version, project? }`, { field });
  }
  const { project, name, version } = parent;
  return { ...(project === undefined ? {} : { project }), name, version };
}

/** Lineage options as the schema's LineageInput (parents parsed; the server checks every rule). */
export function lineageInput(lineage: LineageOptions | undefined, field: string): LineageInput | undefined {
  if (lineage === undefined) return undefined;
  if (typeof lineage !== "object" || lineage === null || Array.isArray(lineage)) {
    throw new RegistryError("BAD_USER_INPUT", `${field} must be an object`, { field });
  }
  const { parents, ...rest } = lineage;
  const isList: (value: unknown) => boolean = Array.isArray;
  if (parents !== undefined && !isList(parents)) {
    throw new RegistryError("BAD_USER_INPUT", `${field}.parents must be a list of versions`, { field: `${field}.parents` });
  }
  return { ...rest, ...(parents ? { parents: parents.map((p, i) => parseParent(p, `${field}.parents[${i}]`)) } : {}) };
}

type LineageData = NonNullable<ModelFieldsFragment["lineage"]>;

/** The server's lineage as the SDK shows it: plain, frozen, no `__typename`. */
export function lineageOf(data: LineageData | null | undefined): Lineage | null {
  if (!data) return null;
  const dataset = data.trainingDataset;
  const run = data.run;
  const program = data.program;
  return Object.freeze({
    trainingDataset: dataset
      ? Object.freeze({ name: dataset.name, version: dataset.version ?? null, uri: dataset.uri ?? null, digest: dataset.digest ?? null })
      : null,
    run: run ? Object.freeze({ id: run.id, uri: run.uri ?? null }) : null,
    program: program
      ? Object.freeze({
          gitCommit: program.gitCommit ?? null,
          entryPoint: program.entryPoint ?? null,
          repository: program.repository ?? null,
        })
      : null,
    environment: data.environment ?? null,
    parents: Object.freeze(data.parents.map(({ project, name, version }): ModelParentRef => Object.freeze({ project, name, version }))),
  });
}

const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v != null)) as T;

/** A registered lineage as options again (`metadata()`, to register it anew). */
export function lineageOptions(lineage: Lineage): LineageOptions {
  return defined({
    trainingDataset: lineage.trainingDataset ? defined({ ...lineage.trainingDataset }) : undefined,
    run: lineage.run ? defined({ ...lineage.run }) : undefined,
    program: lineage.program ? defined({ ...lineage.program }) : undefined,
    environment: lineage.environment ?? undefined,
    parents: lineage.parents.length > 0 ? lineage.parents.map((p) => ({ ...p })) : undefined,
  }) as LineageOptions;
}
