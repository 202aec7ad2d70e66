import { describe, expect, test } from "vitest";
import { RecentMap } from "../gateway/src/graphql/recent-map.js";

describe("RecentMap: at most `limit` entries, the least recently used going first", () => {
  test("a full map drops its oldest entry for a new key; a get makes an entry the newest", () => {
    const map = new RecentMap<string, number>(3);
    map.set("a", 1);
    map.set("b", 2);
    map.set("c", 3);
    expect(map.get("a")).toBe(1); // a is now the newest: b is the oldest
    map.set("d", 4);
    expect(map.size).toBe(3);
    expect(map.get("b")).toBeUndefined();
    expect([map.get("a"), map.get("c"), map.get("d")]).toEqual([1, 3, 4]);
  });

  test("setting a key it holds replaces the value without dropping another", () => {
    const map = new RecentMap<string, number>(2);
    map.set("a", 1);
    map.set("b", 2);
    map.set("a", 10);
    expect(map.size).toBe(2);
    expect([map.get("a"), map.get("b")]).toEqual([10, 2]);
  });

  test("a stream of new keys keeps the size at the limit", () => {
    const map = new RecentMap<number, number>(64);
    for (let i = 0; i < 10_000; i++) map.set(i, i);
    expect(map.size).toBe(64);
    expect(map.get(9_999)).toBe(9_999);
    expect(map.get(9_935)).toBeUndefined();
  });
});
