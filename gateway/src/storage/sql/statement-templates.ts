import type { Compilable, CompiledQuery } from "kysely";

/** A value a template takes per call: it must reach the statement as a bound parameter, unchanged. */
export type SlotValue = string | number;

interface Template {
  readonly compiled: CompiledQuery;
  /** For each bound parameter: the index of the slot it takes, or -1 for a constant of the statement. */
  readonly slots: readonly number[];
}

/** Shapes a store keeps: above the 512 the listings can make (kind, direction, cursor, 64 sets of parts). */
const MAX_SHAPES = 1024;

/**
 * Statements compiled once per shape, their parameters filled in per call: a hot
 * page skips building and compiling the query (Kysely's builders and compiler are
 * most of a sorted page's CPU outside the database), and keeps the same SQL text,
 * so the statement cache (SQLite) and named prepared statements (PostgreSQL) hit as
 * before.
 *
 * `shape` must name everything that decides the SQL text apart from `values`; each
 * value must reach the statement as one bound parameter, not take part in the
 * builder's control flow. The first call of a shape checks the second: it builds
 * the statement twice, with two sets of stand-in values, and keeps it as a template
 * only when the SQL texts are the same, every parameter is either a stand-in of one
 * slot in both builds or the same constant in both, and the template filled with
 * this call's values is exactly the build of them. A shape that fails (a value
 * inlined into the text, derived, as `limit + 1`, or clamped) is built in full on
 * every call, as without templates.
 */
export class StatementTemplates {
  readonly #templates = new Map<string, Template | null>();

  compile<R>(shape: string, values: readonly SlotValue[], build: (values: readonly SlotValue[]) => Compilable<R>): CompiledQuery<R> {
    let template = this.#templates.get(shape);
    if (template === undefined) {
      // Past the bound, a new shape is built in full, without the two builds that check it.
      if (this.#templates.size >= MAX_SHAPES) return build(values).compile();
      const real = build(values).compile();
      template = templateOf(values, build);
      // The stand-ins must not have taken a path the real values do not (a clamp, a test of their range).
      if (template && !sameStatement(filled(template, values), real)) template = null;
      this.#templates.set(shape, template);
      return real;
    }
    return template === null ? build(values).compile() : filled(template, values);
  }
}

function filled<R>(template: Template, values: readonly SlotValue[]): CompiledQuery<R> {
  const { compiled, slots } = template;
  return { ...compiled, parameters: slots.map((slot, i) => (slot < 0 ? compiled.parameters[i] : values[slot])) };
}

const sameStatement = (a: CompiledQuery, b: CompiledQuery) =>
  a.sql === b.sql && a.parameters.length === b.parameters.length && a.parameters.every((p, i) => Object.is(p, b.parameters[i]));

/**
 * Stand-ins no caller passes: strings with a NUL; integers near 2^51, 2^30 apart
 * (set 1 another 2^45 on), so that a value a builder derives from one (`limit + 1`,
 * `2 * limit`) is no other slot's stand-in.
 */
function standIns(values: readonly SlotValue[], set: 0 | 1): SlotValue[] {
  return values.map((value, i) =>
    typeof value === "string" ? `\u0000homer-slot-${set}-${i}\u0000` : 2 ** 51 + set * 2 ** 45 + i * 2 ** 30 + 12_345,
  );
}

function templateOf(values: readonly SlotValue[], build: (values: readonly SlotValue[]) => Compilable<unknown>): Template | null {
  const a = standIns(values, 0);
  const b = standIns(values, 1);
  const first = build(a).compile();
  const second = build(b).compile();
  if (first.sql !== second.sql || first.parameters.length !== second.parameters.length) return null;
  const slotOf = (stand: readonly SlotValue[], parameter: unknown) => stand.indexOf(parameter as SlotValue);
  const slots: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < first.parameters.length; i++) {
    const slot = slotOf(a, first.parameters[i]);
    if (slot !== slotOf(b, second.parameters[i])) return null;
    if (slot < 0 && !Object.is(first.parameters[i], second.parameters[i])) return null;
    slots.push(slot);
    if (slot >= 0) seen.add(slot);
  }
  // Every value must reach the statement: one that does not was used some other way.
  if (seen.size !== values.length) return null;
  return { compiled: first, slots };
}
