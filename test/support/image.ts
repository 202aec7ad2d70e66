/**
 * What docker/Dockerfile and docker/compose.yml declare, read the way Docker reads
 * them, so tests can run the same commands with the same environment outside Docker
 * (no Docker engine runs here).
 */
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ImageStage {
  /** `FROM` of the stage, e.g. `node:22-bookworm-slim`. */
  readonly from: string;
  /** The stage's name (`FROM … AS name`). */
  readonly name: string | undefined;
  /** The stage's `ENV` settings. */
  readonly env: Readonly<Record<string, string>>;
  readonly cmd: readonly string[];
  readonly healthcheck: readonly string[];
  readonly user: string | undefined;
  /** Every `COPY` line of the stage, arguments as written. */
  readonly copies: readonly string[];
  /** Every `RUN` line of the stage (continuations joined). */
  readonly runs: readonly string[];
}

export interface Dockerfile {
  readonly stages: readonly ImageStage[];
  /** The last stage: what the image runs. */
  readonly final: ImageStage;
  /** Sources of every `COPY` from the build context (not `--from` another stage). */
  readonly contextSources: readonly string[];
}

/** Parses docker/Dockerfile (only the instructions Homer's uses). */
export async function readDockerfile(): Promise<Dockerfile> {
  const text = (await fs.readFile(path.join(ROOT, "docker/Dockerfile"), "utf8")).replace(/\\\n\s*/g, " ").replace(/^#.*\n/gm, "");
  const stages = text
    .split(/^(?=FROM )/m)
    .filter((s) => s.startsWith("FROM "))
    .map((stage): ImageStage => {
      const env: Record<string, string> = {};
      for (const [, body] of stage.matchAll(/^ENV (.+)$/gm)) {
        for (const [, key, value] of body!.matchAll(/([A-Z_]+)=(\S+)/g)) env[key!] = value!;
      }
      const cmd = /^CMD (\[.+\])$/m.exec(stage);
      const health = /^HEALTHCHECK .*?CMD (\[.+\])$/m.exec(stage);
      return {
        from: /^FROM (\S+)/.exec(stage)![1]!,
        name: /^FROM \S+ AS (\S+)/.exec(stage)?.[1],
        env,
        cmd: cmd ? (JSON.parse(cmd[1]!) as string[]) : [],
        healthcheck: health ? (JSON.parse(health[1]!) as string[]) : [],
        user: /^USER (\S+)$/m.exec(stage)?.[1],
        copies: [...stage.matchAll(/^COPY (.+)$/gm)].map(([, args]) => args!),
        runs: [...stage.matchAll(/^RUN (.+)$/gm)].map(([, args]) => args!),
      };
    });
  const contextSources = stages.flatMap((s) => s.copies.filter((c) => !c.startsWith("--from")).flatMap((c) => c.split(/\s+/).slice(0, -1)));
  return { stages, final: stages.at(-1)!, contextSources };
}

export interface ComposeService {
  readonly image?: string;
  readonly build?: { context: string; dockerfile: string };
  readonly command?: string | string[];
  readonly entrypoint?: string | string[];
  readonly environment?: Record<string, string | number | null>;
  readonly depends_on?: Record<string, { condition: string }>;
  readonly read_only?: boolean;
  readonly tmpfs?: string[];
  readonly volumes?: string[];
  readonly ports?: string[];
}

export interface Compose {
  readonly services: Readonly<Record<string, ComposeService>>;
}

/**
 * Compose's variable substitution: `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
 * `$NAME`, and `$$` for a literal `$`; `variables` plays the shell's environment.
 */
export function interpolate(text: string, variables: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced, op, fallback, bare) => {
      if (whole === "$$") return "$";
      const name = (braced ?? bare) as string;
      const value = variables[name];
      if (op === ":-") return value ? value : (fallback as string);
      if (op === "-") return value ?? (fallback as string);
      return value ?? "";
    },
  );
}

/** docker/compose.yml with `<<` merge keys resolved and variables substituted. */
export async function readCompose(variables: Readonly<Record<string, string>> = {}): Promise<Compose> {
  const text = await fs.readFile(path.join(ROOT, "docker/compose.yml"), "utf8");
  const parsed = YAML.parse(text, { merge: true }) as unknown;
  const substitute = (value: unknown): unknown => {
    if (typeof value === "string") return interpolate(value, variables);
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
    return value;
  };
  return substitute(parsed) as Compose;
}

/** A service's environment as the container sees it: the image's ENV, then compose's `environment`. */
export function containerEnv(image: ImageStage, service: ComposeService): Record<string, string> {
  const env: Record<string, string> = { ...image.env };
  for (const [key, value] of Object.entries(service.environment ?? {})) env[key] = value === null ? "" : String(value);
  return env;
}

/**
 * Docker's .dockerignore rules (moby/patternmatcher): each line a pattern relative to
 * the context's root (a leading `/` or `./` changes nothing), `*` and `?` within one
 * path segment, `**` across any number of them, `!` re-including; a path is left out
 * when the last pattern matching it, or one of its parent directories, excludes it.
 * A pattern without `**` is anchored at the root: `*.log` is `./x.log`, never `a/x.log`.
 */
export function dockerignoreMatcher(text: string): (file: string) => boolean {
  const rules = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = path.posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, "");
      const source = pattern
        .split("/")
        .map((segment) =>
          segment === "**"
            ? "(?:.*)"
            : segment
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]"),
        )
        .join("/")
        .replace(/\(\?:\.\*\)\//g, "(?:.*/)?");
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (file: string) => {
    const parts = file.split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.negate;
    return excluded;
  };
}
