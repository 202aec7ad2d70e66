import fs from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { RegistryError } from "../errors.js";
import { frameworkFromPaths } from "../file-hints.js";
import type { Flavors, Framework, JsonValue, ModelMetadata, ModelSignature, SchemaField } from "../types.js";
import type { LocalFile } from "./directory.js";

/** MLflow flavor names → Framework; python_function is the fallback every model has. */
const FLAVORS: Readonly<Record<string, Framework>> = {
  crate: "CRATE",
  h2o: "H2O",
  keras: "KERAS",
  mleap: "MLEAP",
  pytorch: "PYTORCH",
  sklearn: "SKLEARN",
  spark: "SPARK",
  tensorflow: "TENSORFLOW",
  onnx: "ONNX",
  gluon: "GLUON",
  xgboost: "XGBOOST",
  lightgbm: "LIGHTGBM",
  catboost: "CATBOOST",
  spacy: "SPACY",
  fastai: "FASTAI",
  statsmodels: "STATSMODELS",
  python_function: "PYTHON_FUNCTION",
};

/** The registry's default limit: a larger saved example is left out rather than failing the upload. */
const MAX_EXAMPLE_BYTES = 256 * 1024;
/** The registry's default limit of flavors (HOMER_MAX_FLAVORS): larger ones read from a file are left out, likewise. */
const MAX_FLAVORS_BYTES = 64 * 1024;

type Found = { -readonly [K in "framework" | "signature" | "inputExample" | "flavors" | "tfMetaGraphTags"]?: ModelMetadata[K] } & {
  /** MLmodel's `run_id`: the MLflow run that logged the model. */
  runId?: string;
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Each flavor's details as JSON (through JSON, so nothing but JSON reaches the registry); a flavor whose
 * details are not a mapping is left out, as the registry takes objects only, and flavors larger than
 * the registry's default limit are left out whole (with the tags read from them) rather than failing the upload.
 */
function flavorsOf(raw: unknown): Flavors | undefined {
  if (!isObject(raw)) return undefined;
  const entries = Object.entries(raw).filter(([, details]) => isObject(details));
  if (entries.length === 0) return undefined;
  const json = JSON.stringify(Object.fromEntries(entries));
  if (Buffer.byteLength(json) > MAX_FLAVORS_BYTES) return undefined;
  return JSON.parse(json) as Flavors;
}

/**
 * `flavors.tensorflow.meta_graph_tags`: MLflow writes a list (null when not a SavedModel); a lone string is one tag.
 * TensorFlow reads them as a set, so a tag the file repeats is sent once (the registry refuses repeats).
 */
function metaGraphTagsOf(flavors: Flavors | undefined): string[] | undefined {
  const tags = flavors?.tensorflow?.meta_graph_tags;
  if (typeof tags === "string") return [tags];
  if (Array.isArray(tags) && tags.every((t) => typeof t === "string")) return [...new Set(tags)];
  return undefined;
}

/** MLflow writes each side of a signature as a JSON string of column or tensor specs. */
function toFields(spec: unknown): SchemaField[] | undefined {
  const list: unknown = typeof spec === "string" ? JSON.parse(spec) : spec;
  if (!Array.isArray(list)) return undefined;
  return list.map((item: Record<string, unknown>) => {
    const name = (item.name as string | undefined) ?? null;
    const tensor = item["tensor-spec"] as { dtype?: unknown; shape?: SchemaField["shape"] } | undefined;
    if (item.type === "tensor" && tensor) return { name, type: String(tensor.dtype), shape: tensor.shape ?? null };
    return { name, type: String(item.type), shape: null };
  });
}

function signatureOf(raw: unknown): ModelSignature | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const { inputs, outputs } = raw as Record<string, unknown>;
  const parsedInputs = toFields(inputs);
  if (!parsedInputs) return undefined;
  return { inputs: parsedInputs, outputs: toFields(outputs) ?? [] };
}

async function inputExampleOf(root: string, info: unknown): Promise<JsonValue | undefined> {
  const artifact = (info as { artifact_path?: unknown } | undefined)?.artifact_path;
  if (typeof artifact !== "string" || artifact.includes("..")) return undefined;
  const file = path.join(root, artifact);
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile() || stat.size > MAX_EXAMPLE_BYTES) return undefined;
  return JSON.parse(await fs.readFile(file, "utf8")) as JsonValue;
}

/**
 * Metadata the directory itself tells: an MLflow `MLmodel` file's flavors (the
 * framework, each flavor's details, TensorFlow's MetaGraph tags), signature and
 * saved input example; else the framework from file types.
 */
export async function describeDirectory(root: string, files: readonly LocalFile[]): Promise<Found> {
  try {
    return await describe(files);
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw new RegistryError("BAD_USER_INPUT", `${path.join(root, "MLmodel")} could not be read: ${(error as Error).message}`, {
      cause: error,
      field: "modelPath",
    });
  }
}

async function describe(files: readonly LocalFile[]): Promise<Found> {
  const found: Found = {};
  const mlmodel = files.find((f) => f.path === "MLmodel");
  if (mlmodel) {
    const doc = parse(await fs.readFile(mlmodel.absolutePath, "utf8")) as Record<string, unknown> | null;
    const flavors = Object.keys((doc?.flavors as object | undefined) ?? {});
    const specific = flavors.find((f) => f !== "python_function" && FLAVORS[f]);
    const framework = FLAVORS[specific ?? flavors.find((f) => FLAVORS[f]) ?? ""];
    if (framework) found.framework = framework;
    const flavorDetails = flavorsOf(doc?.flavors);
    if (flavorDetails) found.flavors = flavorDetails;
    const tags = metaGraphTagsOf(flavorDetails);
    if (tags) found.tfMetaGraphTags = tags;
    const signature = signatureOf(doc?.signature);
    if (signature) found.signature = signature;
    const example = await inputExampleOf(path.dirname(mlmodel.absolutePath), doc?.saved_input_example_info);
    if (example !== undefined) found.inputExample = example;
    // A printable word of sane length only: anything else is left out rather than failing the upload.
    if (typeof doc?.run_id === "string" && /^[A-Za-z0-9_.:-]{1,256}$/.test(doc.run_id)) found.runId = doc.run_id;
    if (!found.framework && files.some((f) => /\.(pkl|joblib)$/i.test(f.path))) found.framework = "SKLEARN";
  }
  if (!found.framework) {
    const hinted = frameworkFromPaths(files.map((f) => f.path));
    if (hinted) found.framework = hinted;
  }
  return found;
}
