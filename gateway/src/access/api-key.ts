import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** `hmr_<id>_<secret>`: the id finds the row, the secret proves possession. */
const FORMAT = /^hmr_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export interface GeneratedKey {
  readonly id: string;
  /** The whole key, shown once. */
  readonly token: string;
  readonly secretSha256: string;
}

export function randomId(): string {
  // 16 characters of 62: about 95 bits; rejection sampling keeps it uniform.
  let id = "";
  while (id.length < 16) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && id.length < 16) id += ALPHANUMERIC[byte % 62];
    }
  }
  return id;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A new key: 256 random bits of secret. */
export function generateKey(): GeneratedKey {
  const id = randomId();
  const secret = randomBytes(32).toString("base64url");
  return { id, token: `hmr_${id}_${secret}`, secretSha256: sha256Hex(secret) };
}

/** Whether `id` has the shape of the ids `generateKey` issues. */
export function isKeyId(id: string): boolean {
  return /^[A-Za-z0-9]{16}$/.test(id);
}

/** Splits a presented key; null when it is not shaped like one of ours. */
export function parseKey(token: string): { id: string; secret: string } | null {
  const match = FORMAT.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/** A key given by an operator (HOMER_ADMIN_KEY) must be one of ours, so it can be looked up. */
export function importKey(token: string): GeneratedKey | null {
  const parsed = parseKey(token);
  return parsed ? { id: parsed.id, token, secretSha256: sha256Hex(parsed.secret) } : null;
}

export function secretMatches(secret: string, expectedSha256: string): boolean {
  const actual = Buffer.from(sha256Hex(secret), "hex");
  const expected = Buffer.from(expectedSha256, "hex");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
