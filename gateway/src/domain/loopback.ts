import { BlockList, isIP } from "node:net";

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/**
 * The one loopback rule, for the address the gateway binds and for the host a
 * request names: `localhost` (any case, optionally with the root's trailing dot),
 * an IPv4 address in 127.0.0.0/8, or `::1` in any spelling, bracketed or not,
 * including IPv4-mapped forms such as `::ffff:127.0.0.1`. Anything else, including
 * spellings only a resolver would read as loopback (`127.1`, `0177.0.0.1`), is not:
 * answering "no" only costs an explicit key or `--insecure`.
 */
export function isLoopback(host: string): boolean {
  // The two spellings nearly every local request uses, without building a SocketAddress.
  if (host === "127.0.0.1" || host === "localhost") return true;
  const bare = host.replace(/^\[(.*)\]$/s, "$1");
  if (/^localhost\.?$/i.test(bare)) return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 6 ? "ipv6" : "ipv4");
}
