/** Hostile corpus: MLmodel flavors, TensorFlow MetaGraph tags and the model card. */
import { expect } from "vitest";
import { BAD, bad, create, createRaw, gql, INVALID, INVALID_OR_BAD } from "./requests.js";
import { group, type Case } from "./world.js";

const ESC = "ci\u001b[1A\u001b[2K\u001b[31mhidden";
/** The default HOMER_MAX_FLAVORS. */
const MAX_FLAVORS = 64 * 1024;

export const flavorsAndTags = group("flavors, tfMetaGraphTags and the model card", () => {
  const flavors = (value: unknown) => create({ name: "victim", flavors: value });
  const tags = (value: unknown) => create({ name: "victim", tfMetaGraphTags: value });
  const cases: Case[] = [
    // Shape: a JSON object of JSON objects.
    { name: "flavors as an array", request: flavors([{ sklearn: {} }]), expect: INVALID_OR_BAD },
    { name: "flavors as a string", request: flavors("sklearn"), expect: INVALID_OR_BAD },
    { name: "a flavor's details as a string", request: flavors({ sklearn: "1.3.0" }), expect: BAD },
    { name: "a flavor's details as an array", request: flavors({ sklearn: ["1.3.0"] }), expect: BAD },
    { name: "a flavor's details as null", request: flavors({ sklearn: null }), expect: BAD },
    { name: "a flavor's details as a number", request: flavors({ sklearn: 1 }), expect: BAD },
    // Flavor names are labels.
    { name: "flavor name with NUL", request: flavors({ "sk\u0000learn": {} }), expect: BAD },
    { name: "flavor name with an RTL override", request: flavors({ "sk\u202Elearn": {} }), expect: BAD },
    { name: "flavor name with an escape sequence", request: flavors({ [ESC]: {} }), expect: BAD },
    { name: "flavor name with a newline", request: flavors({ "sklearn\npytorch": {} }), expect: BAD },
    { name: "flavor name with a lone surrogate", request: flavors({ "sklearn\uD800": {} }), expect: BAD },
    { name: "empty flavor name", request: flavors({ "": {} }), expect: BAD },
    { name: "flavor name of 129 characters", request: flavors({ ["f".repeat(129)]: {} }), expect: BAD },
    { name: "65 flavors", request: flavors(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, {}]))), expect: BAD },
    // Details are JSON data: storable strings, bounded size and depth.
    { name: "NUL in a flavor's detail", request: flavors({ sklearn: { sklearn_version: "1.3\u0000" } }), expect: BAD },
    { name: "NUL in a detail's key", request: flavors({ sklearn: { "v\u0000": 1 } }), expect: BAD },
    { name: "lone surrogate deep in a detail", request: flavors({ sklearn: { a: [{ b: "\uDC00" }] } }), expect: BAD },
    { name: "flavors just over 64 KiB", request: flavors({ sklearn: { blob: "x".repeat(MAX_FLAVORS) } }), expect: BAD },
    { name: "1.5 MB flavors", request: flavors({ sklearn: { blob: "x".repeat(1_500_000) } }), expect: BAD },
    {
      name: "flavors nested 100,000 deep",
      request: createRaw(`{"name":"victim","flavors":{"sklearn":{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}}}`),
      expect: BAD,
    },
    {
      name: "an escape sequence in a detail's value (data, legal)",
      request: flavors({ python_function: { loader_module: ESC } }),
      expect: { success: true },
    },
    // MetaGraph tags are labels.
    { name: "tfMetaGraphTags as a string", request: tags("serve"), expect: { success: true } },
    { name: "tfMetaGraphTags with a number", request: tags(["serve", 1]), expect: INVALID_OR_BAD },
    { name: "tfMetaGraphTags with null", request: tags(["serve", null]), expect: INVALID_OR_BAD },
    { name: "MetaGraph tag with NUL", request: tags(["ser\u0000ve"]), expect: BAD },
    { name: "MetaGraph tag with an RTL override", request: tags(["serve\u202E"]), expect: BAD },
    { name: "MetaGraph tag with an escape sequence", request: tags([ESC]), expect: BAD },
    { name: "MetaGraph tag with a lone surrogate", request: tags(["\uD800"]), expect: BAD },
    { name: "empty MetaGraph tag", request: tags([""]), expect: BAD },
    { name: "MetaGraph tag of 257 characters", request: tags(["t".repeat(257)]), expect: BAD },
    { name: "65 MetaGraph tags", request: tags(Array.from({ length: 65 }, (_, i) => `t${i}`)), expect: BAD },
    { name: "a MetaGraph tag twice", request: tags(["serve", "gpu", "serve"]), expect: BAD },
    { name: "a 1.9 MB MetaGraph tag", request: tags(["t".repeat(1_900_000)]), expect: BAD },
    // The card: access as for the model, cost bounded.
    {
      name: "card of another project's model",
      request: gql(`{ model(name: "secret", version: 1, project: "team-b") { card } }`, undefined, "read"),
      expect: bad("FORBIDDEN"),
    },
    {
      name: "card without a key",
      request: gql(`{ model(name: "fixture", version: 1, project: "team-a") { card } }`, undefined, null),
      expect: bad("UNAUTHENTICATED"),
    },
    {
      name: "cards of a page of 500",
      request: gql(`{ models(name: "fixture", first: 500) { nodes { card } } }`, undefined, "read"),
      expect: INVALID,
    },
    {
      name: "cards of a page whose size is a variable",
      request: gql(`query($n: Int) { models(name: "fixture", first: $n) { nodes { card } } }`, { n: 2 }, "read"),
      expect: INVALID,
    },
    {
      name: "card of a version without README.md is null (legal)",
      request: gql(`{ model(name: "fixture", version: 1) { card flavors tfMetaGraphTags } }`, undefined, "read"),
      expect: {
        success: true,
        check: (r) => expect(r.json.data.model).toEqual({ card: null, flavors: null, tfMetaGraphTags: null }),
      },
    },
  ];
  return cases;
});
