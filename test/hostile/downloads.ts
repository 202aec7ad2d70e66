/** Hostile corpus: download and archive URLs that traverse, and Range headers that lie. */
import { expect } from "vitest";
import { MARK } from "../support/hostile-harness.js";
import { exactRange, get, RANGE, rangeCheck, WHOLE } from "./requests.js";
import { group, W, W_SHA, W_URL, type Case, type Expect } from "./world.js";

export const downloadUrls = group("download and archive URLs", () => {
  const NOT_FOUND: Expect = { codes: ["NOT_FOUND"], status: [404] };
  const BAD_PATH: Expect = { codes: ["BAD_USER_INPUT"], status: [400] };
  const F = "/files/team-a/fixture/1";
  return [
    { name: "..%2F..%2Fetc%2Fpasswd", request: get(`${F}/..%2F..%2Fetc%2Fpasswd`), expect: NOT_FOUND },
    { name: "raw ../../../../etc/passwd", request: get(`${F}/../../../../etc/passwd`), expect: NOT_FOUND },
    { name: "%2e%2e/%2e%2e/etc/passwd", request: get(`${F}/%2e%2e/%2e%2e/etc/passwd`), expect: NOT_FOUND },
    { name: "double-encoded %252e%252e%252f", request: get(`${F}/%252e%252e%252f%252e%252e%252fetc%252fpasswd`), expect: NOT_FOUND },
    { name: "..%5C..%5C backslashes", request: get(`${F}/..%5C..%5Cetc%5Cpasswd`), expect: NOT_FOUND },
    { name: "empty segment then /etc/passwd", request: get(`${F}//etc/passwd`), expect: NOT_FOUND },
    { name: "%2Fetc%2Fpasswd (absolute)", request: get(`${F}/%2Fetc%2Fpasswd`), expect: NOT_FOUND },
    { name: "C:%5CWindows%5Cwin.ini", request: get(`${F}/C:%5CWindows%5Cwin.ini`), expect: NOT_FOUND },
    { name: "UNC %5C%5Cserver%5Cshare", request: get(`${F}/%5C%5Cserver%5Cshare%5C${MARK}`), expect: NOT_FOUND },
    { name: "NUL after the name", request: get(`${F}/w.bin%00`), expect: BAD_PATH },
    { name: "NUL and extension", request: get(`${F}/w.bin%00.txt`), expect: BAD_PATH },
    { name: "trailing /.", request: get(`${F}/w.bin/.`), expect: NOT_FOUND },
    { name: "dir/./x.txt", request: get(`${F}/dir/./x.txt`), expect: { ...NOT_FOUND, status: [404, 200], plain: true } },
    {
      name: "dir/../w.bin stays inside the version",
      request: get(`${F}/dir/../w.bin`),
      expect: {
        codes: ["NOT_FOUND"],
        status: [404, 200],
        plain: true,
        check: (r) => void (r.status === 200 && expect(r.body.equals(W)).toBe(true)),
      },
    },
    { name: "a/../../b", request: get(`${F}/a/../../${MARK}`), expect: NOT_FOUND },
    {
      name: "overlong UTF-8 dots %C0%AE%C0%AE%2F",
      request: get(`${F}/%C0%AE%C0%AE%2Fetc%2Fpasswd`),
      expect: { codes: ["BAD_USER_INPUT", "NOT_FOUND"], status: [400, 404] },
    },
    { name: "malformed percent-encoding %", request: get(`${F}/%`), expect: BAD_PATH },
    { name: "malformed percent-encoding %E0%A4%A", request: get(`${F}/%E0%A4%A`), expect: BAD_PATH },
    { name: "encoded slash in the project: ..%2Fteam-b", request: get(`/files/..%2Fteam-b/secret/1/w.bin`), expect: BAD_PATH },
    {
      name: "encoded slash in the project: team-a%2F..%2Fteam-b",
      request: get(`/files/team-a%2F..%2Fteam-b/secret/1/w.bin`),
      expect: BAD_PATH,
    },
    { name: "encoded slash in the name: fix%2Fture", request: get(`/files/team-a/fix%2Fture/1/w.bin`), expect: BAD_PATH },
    { name: "traversal as the name: ..%2F..%2Fetc", request: get(`/files/team-a/..%2F..%2Fetc/1/passwd`), expect: BAD_PATH },
    { name: "dot-dot project and name", request: get(`/files/%2e%2e/%2e%2e/1/etc/passwd`), expect: BAD_PATH },
    { name: "NUL in the name", request: get(`/files/team-a/fixture%00/1/w.bin`), expect: BAD_PATH },
    { name: "version 0", request: get(`/files/team-a/fixture/0/w.bin`), expect: BAD_PATH },
    { name: "version -1", request: get(`/files/team-a/fixture/-1/w.bin`), expect: BAD_PATH },
    { name: "version 2^31", request: get(`/files/team-a/fixture/2147483648/w.bin`), expect: BAD_PATH },
    { name: "version 2^53", request: get(`/files/team-a/fixture/9007199254740992/w.bin`), expect: BAD_PATH },
    { name: "version 1.5", request: get(`/files/team-a/fixture/1.5/w.bin`), expect: BAD_PATH },
    { name: "version 1e0", request: get(`/files/team-a/fixture/1e0/w.bin`), expect: BAD_PATH },
    {
      name: "version %31 (an encoded 1)",
      request: get(`/files/team-a/fixture/%31/w.bin`),
      expect: {
        ...BAD_PATH,
        status: [400, 200],
        plain: true,
        check: (r) => void (r.status === 200 && expect(r.body.equals(W)).toBe(true)),
      },
    },
    {
      name: "another project's file with a team-a key",
      request: get(`/files/team-b/secret/1/w.bin`),
      expect: { codes: ["FORBIDDEN"], status: [403] },
    },
    { name: "no path after the version", request: get(`${F}`), expect: NOT_FOUND },
    { name: "empty path after the version", request: get(`${F}/`), expect: NOT_FOUND },
    {
      name: "an 8 kB path",
      request: get(`${F}/${"a/".repeat(4000)}${MARK}`),
      expect: { codes: ["NOT_FOUND", "BAD_USER_INPUT"], status: [404, 400, 414, 431], plain: true },
    },
    {
      name: "a 100 kB URL (over Node's header limit)",
      request: get(`${F}/${"a".repeat(100_000)}`),
      expect: { status: [431, 414], plain: true },
    },
    { name: "query string traversal is ignored", request: get(`${W_URL}?path=../../etc/passwd`), expect: WHOLE },
    {
      name: "HEAD of a traversal",
      request: get(`${F}/..%2F..%2Fetc%2Fpasswd`, "write", {}, "HEAD"),
      expect: { status: [404], plain: true },
    },
    { name: "POST to a download URL", request: () => ({ ...get(W_URL)(), method: "POST", body: "x" }), expect: NOT_FOUND },
    { name: "DELETE of a download URL", request: get(W_URL, "write", {}, "DELETE"), expect: NOT_FOUND },
    { name: "archive: version ..%2F..%2Fetc", request: get(`/archives/team-a/fixture/..%2F..%2Fetc`), expect: BAD_PATH },
    { name: "archive: project ..%2F..%2Fetc", request: get(`/archives/..%2F..%2Fetc/passwd/1`), expect: BAD_PATH },
    { name: "archive: extra raw ../ segments", request: get(`/archives/team-a/fixture/1/../../${MARK}`), expect: NOT_FOUND },
    { name: "archive: version 0", request: get(`/archives/team-a/fixture/0`), expect: BAD_PATH },
    { name: "archive: absent version", request: get(`/archives/team-a/fixture/99`), expect: NOT_FOUND },
    { name: "archive: NUL as the name", request: get(`/archives/team-a/%00/1`), expect: BAD_PATH },
    { name: "archive: encoded slash in the name", request: get(`/archives/team-a/fixture%2F..%2F..%2Fx/1`), expect: BAD_PATH },
    {
      name: "archive: another project's version",
      request: get(`/archives/team-b/secret/1`),
      expect: { codes: ["FORBIDDEN"], status: [403] },
    },
    { name: "archive: no key", request: get(`/archives/team-a/fixture/1`, null), expect: { codes: ["UNAUTHENTICATED"], status: [401] } },
    {
      name: "archive: revoked key",
      request: get(`/archives/team-a/fixture/1`, "revoked"),
      expect: { codes: ["UNAUTHENTICATED"], status: [401] },
    },
    {
      name: "archive with a Range header",
      request: get(`/archives/team-a/fixture/1`, "write", { range: "bytes=0-10" }),
      expect: { status: [200, 206, 416], plain: true },
    },
    {
      name: "a download URL that is all dot-dots",
      request: get(`/files/../../etc/passwd`),
      expect: { codes: ["NOT_FOUND", "BAD_USER_INPUT"], status: [404, 400] },
    },
    { name: "a route that does not exist", request: get(`/etc/passwd`), expect: NOT_FOUND },
    { name: "a path with a semicolon parameter", request: get(`${W_URL};jsessionid=../../x`), expect: NOT_FOUND },
  ] satisfies Case[];
});

export const rangeAbuse = group("Range header abuse", () => {
  const r = (range: string, extra: Record<string, string> = {}) => get(W_URL, "write", { range, ...extra });
  return [
    { name: "bytes=-0", request: r("bytes=-0"), expect: RANGE },
    { name: "bytes=99999999999-", request: r("bytes=99999999999-"), expect: { ...RANGE, status: [416] } },
    { name: "bytes=5-1 (last before first)", request: r("bytes=5-1"), expect: RANGE },
    { name: "multiple ranges", request: r("bytes=0-1,5-6"), expect: RANGE },
    { name: "garbage", request: r("bytes=abc"), expect: RANGE },
    { name: "not bytes", request: r("items=0-5"), expect: RANGE },
    { name: "bytes= (empty)", request: r("bytes="), expect: RANGE },
    { name: "bytes=- (no numbers)", request: r("bytes=-"), expect: RANGE },
    { name: "bytes=0-0", request: r("bytes=0-0"), expect: exactRange(0, 0) },
    { name: "bytes=-5 (suffix)", request: r("bytes=-5"), expect: exactRange(95, 99) },
    { name: "bytes=0-<20 digits>", request: r("bytes=0-99999999999999999999"), expect: exactRange(0, 99) },
    { name: "bytes=<23 digits>-", request: r("bytes=99999999999999999999999-"), expect: { ...RANGE, status: [416] } },
    { name: "bytes=-<11 digits> (suffix longer than the file)", request: r("bytes=-99999999999"), expect: exactRange(0, 99) },
    { name: "hex numbers", request: r("bytes=0x10-0x20"), expect: RANGE },
    { name: "bytes=1-2-3", request: r("bytes=1-2-3"), expect: RANGE },
    { name: "bytes=--5", request: r("bytes=--5"), expect: RANGE },
    { name: "negative start bytes=-5-10", request: r("bytes=-5-10"), expect: RANGE },
    {
      name: "1,000 ranges in one header",
      request: r(`bytes=${Array.from({ length: 1000 }, (_, i) => `${i % 100}-${i % 100}`).join(",")}`),
      expect: RANGE,
    },
    { name: "If-Range that does not match", request: r("bytes=0-5", { "if-range": '"not-the-etag"' }), expect: WHOLE },
    { name: "If-Range that matches", request: r("bytes=10-19", { "if-range": `"${W_SHA}"` }), expect: exactRange(10, 19) },
    { name: "If-None-Match of 10 kB", request: get(W_URL, "write", { "if-none-match": `"${"x".repeat(10_000)}"` }), expect: WHOLE },
    {
      name: "range on an empty file",
      request: get("/files/team-a/fixture/1/empty.bin", "write", { range: "bytes=0-0" }),
      expect: { status: [200, 416], plain: true, check: (reply) => rangeCheck(reply, 0, Buffer.alloc(0)) },
    },
    {
      name: "suffix range on an empty file",
      request: get("/files/team-a/fixture/1/empty.bin", "write", { range: "bytes=-1" }),
      expect: { status: [200, 416], plain: true, check: (reply) => rangeCheck(reply, 0, Buffer.alloc(0)) },
    },
  ] satisfies Case[];
});
