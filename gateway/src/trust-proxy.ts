import { isIP } from "node:net";

/** Off, the number of proxies in front of the gateway, or the addresses/CIDRs of the trusted ones. */
export type TrustProxy = false | number | readonly string[];

/** proxy-addr's names for address ranges, which express's `trust proxy` accepts too. */
const PRESETS = new Set(["loopback", "linklocal", "uniquelocal"]);
const MAX_HOPS = 100;
const EVERY_PROXY =
  "trusting every proxy lets any client choose its own address; give the number of proxies in front of Homer (e.g. 1) or their addresses";

/** An address or `address/prefix`, as express's `trust proxy` (proxy-addr) takes them. */
function isAddressOrCidr(text: string): boolean {
  const [address, prefix, extra] = text.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * HOMER_TRUST_PROXY: off (`off`, `false`, `0`), a hop count, or a comma-separated
 * list of proxies; `fail(problem)` makes the error thrown for anything else.
 * `true` (believe every hop), or a range of every address (`0.0.0.0/0`, `::/0`), is
 * refused: any client could then pick its own address through X-Forwarded-For and
 * dodge the per-address limits.
 */
export function parseTrustProxy(text: string, fail: (problem: string) => Error): TrustProxy {
  const value = text.trim();
  if (/^(0|false|off|no|none)$/i.test(value)) return false;
  if (/^\d+$/.test(value)) {
    if (Number(value) > MAX_HOPS) throw fail(`expected at most ${MAX_HOPS} hops, got "${text}"`);
    return Number(value);
  }
  if (/^(true|on|yes|all)$/i.test(value)) throw fail(EVERY_PROXY);
  const entries = value.split(",").map((entry) => entry.trim());
  const everyAddress = entries.find((entry) => isAddressOrCidr(entry) && /\/0+$/.test(entry));
  if (everyAddress !== undefined) throw fail(`"${everyAddress}" trusts every address as a proxy: ${EVERY_PROXY}`);
  const bad = entries.find((entry) => !PRESETS.has(entry) && !isAddressOrCidr(entry));
  if (bad !== undefined) {
    throw fail(
      `expected off, a hop count, or comma-separated IP addresses/CIDRs (or loopback, linklocal, uniquelocal), got "${bad}" in "${text}"`,
    );
  }
  return Object.freeze(entries);
}
