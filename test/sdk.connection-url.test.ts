import { describe, expect, test } from "vitest";
import { connection, RegistryError } from "@homer/sdk";

/** How connecting to `url` (or, without it, to HOMER_URL) fails. */
async function refusal(url: string | undefined): Promise<RegistryError> {
  const error = await (async () => connection(url === undefined ? {} : { url }).getModelRegistry())().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

describe("SDK connection: a URL no request can go to", () => {
  test("is BAD_USER_INPUT on url, not NETWORK_ERROR as if the registry were down, and never shows a password back", async () => {
    for (const url of [
      "nope",
      "localhost:4000/graphql",
      "ftp://127.0.0.1/graphql",
      "http://user:s3cret@127.0.0.1:9/graphql",
      "http://:s3cret@127.0.0.1:9/",
    ]) {
      const error = await refusal(url);
      expect([error.code, error.field], url).toEqual(["BAD_USER_INPUT", "url"]);
      expect(error.message).toMatch(/^url must be an absolute http or https URL without user:password@/);
      expect(error.message).not.toContain("s3cret");
    }
  });

  test("from HOMER_URL, the message names the variable", async () => {
    const before = process.env.HOMER_URL;
    process.env.HOMER_URL = "https://ci:s3cret@registry.example/graphql";
    try {
      const error = await refusal(undefined);
      expect([error.code, error.field]).toEqual(["BAD_USER_INPUT", "url"]);
      expect(error.message).toContain(
        'HOMER_URL must be an absolute http or https URL without user:password@ (give the key as apiKey), not "https://…@registry.example/graphql"',
      );
    } finally {
      if (before === undefined) delete process.env.HOMER_URL;
      else process.env.HOMER_URL = before;
    }
  });
});
