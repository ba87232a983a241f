import { CloudflareApiError } from "../../../sandbox/cloudflare-api/errors";
import {
  normaliseName,
  validateRecordBody,
  type RecordFields,
} from "../../../sandbox/cloudflare-api/validation";

const ZONE = "hemma.test";

/** The first error code of what `fn` throws (the chained code for `1004 DNS Validation Error`). */
function codeOf(fn: () => unknown): { status: number; code: number; chained?: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof CloudflareApiError)) throw err;
    const [first] = err.errors;
    return {
      status: err.status,
      code: first!.code,
      message: first!.error_chain?.[0]?.message ?? first!.message,
      ...(first!.error_chain ? { chained: first!.error_chain[0]!.code } : {}),
    };
  }
  throw new Error("expected a CloudflareApiError, nothing was thrown");
}

describe("normaliseName", () => {
  it.each([
    ["www", "www.hemma.test"],
    ["www.hemma.test", "www.hemma.test"],
    ["WWW.Hemma.Test.", "www.hemma.test"],
    ["@", "hemma.test"],
    ["hemma.test", "hemma.test"],
    ["*.dev", "*.dev.hemma.test"],
    ["_acme-challenge", "_acme-challenge.hemma.test"],
    ["bücher", "xn--bcher-kva.hemma.test"],
    // Cloudflare appends the zone to a name outside it rather than refusing it.
    ["www.example.org", "www.example.org.hemma.test"],
  ])("%s -> %s", (input, expected) => {
    expect(normaliseName(input, ZONE)).toBe(expected);
  });

  it.each([
    [""],
    ["a..b"],
    ["-lead"],
    ["trail-"],
    ["sub.*"],
    ["a b"],
    [`${"x".repeat(64)}`],
    [`${"abc.".repeat(62)}x`],
  ])("refuses %j", (input) => {
    expect(normaliseName(input, ZONE)).toBeUndefined();
  });
});

describe("validateRecordBody", () => {
  it("fills Cloudflare's defaults on create: ttl 1, not proxied, no comment, tags or settings", () => {
    expect(validateRecordBody(ZONE, { name: "host", type: "A", content: "192.0.2.1" }, "create")).toEqual({
      name: "host.hemma.test",
      type: "A",
      content: "192.0.2.1",
      ttl: 1,
      proxied: false,
      comment: null,
      tags: [],
      settings: {},
    });
  });

  it("keeps what the provider sends and ignores fields a client cannot set", () => {
    const body = {
      name: "grafana.hemma.test",
      type: "CNAME",
      content: "Host.Hemma.Test.",
      ttl: 300,
      proxied: false,
      comment: "managed by hemma-infra (Pulumi)",
      tags: ["owner:hemma"],
      settings: { flatten_cname: false, ipv4_only: false, ipv6_only: false },
      id: "0123456789abcdef0123456789abcdef",
      created_on: "2020-01-01T00:00:00Z",
      priority: 10,
    };
    expect(validateRecordBody(ZONE, body, "create")).toEqual({
      name: "grafana.hemma.test",
      type: "CNAME",
      content: "host.hemma.test",
      ttl: 300,
      proxied: false,
      comment: "managed by hemma-infra (Pulumi)",
      tags: ["owner:hemma"],
      settings: { flatten_cname: false, ipv4_only: false, ipv6_only: false },
    });
  });

  it("stores ttl 1 for a proxied record whatever TTL was sent", () => {
    expect(
      validateRecordBody(
        ZONE,
        { name: "p", type: "A", content: "192.0.2.1", ttl: 300, proxied: true },
        "create",
      ).ttl,
    ).toBe(1);
  });

  it("accepts TTL 1 and the 60-86400 range at both ends", () => {
    for (const ttl of [1, 60, 86400])
      expect(
        validateRecordBody(ZONE, { name: "t", type: "A", content: "192.0.2.1", ttl }, "create").ttl,
      ).toBe(ttl);
  });

  const existing: RecordFields = {
    name: "host.hemma.test",
    type: "A",
    content: "192.0.2.1",
    ttl: 300,
    proxied: false,
    comment: "note",
    tags: ["a:b"],
    settings: {},
  };

  it("PATCH changes only the fields sent (ddclient sends only content)", () => {
    expect(validateRecordBody(ZONE, { content: "198.51.100.7" }, "patch", existing)).toEqual({
      ...existing,
      content: "198.51.100.7",
    });
  });

  it("PUT overwrites: fields left out return to their defaults", () => {
    expect(
      validateRecordBody(ZONE, { name: "host", type: "A", content: "198.51.100.7" }, "overwrite", existing),
    ).toEqual({ ...existing, content: "198.51.100.7", ttl: 1, comment: null, tags: [] });
  });

  it("PATCH re-checks the merged record: a new type must fit the old content", () => {
    expect(codeOf(() => validateRecordBody(ZONE, { type: "AAAA" }, "patch", existing))).toMatchObject({
      code: 1004,
      message: "Content for AAAA record must be a valid IPv6 address.",
    });
  });

  it("an empty comment removes the comment", () => {
    expect(validateRecordBody(ZONE, { comment: "" }, "patch", existing).comment).toBeNull();
  });

  const rec = { name: "r", type: "A", content: "192.0.2.1" };
  it.each<[string, unknown, { status: number; code: number; chained?: number; message?: string }]>([
    ["a body that is not an object", [], { status: 400, code: 9207 }],
    ["a null body", null, { status: 400, code: 9207 }],
    ["a missing type", { name: "r", content: "192.0.2.1" }, { status: 400, code: 1004, chained: 1004 }],
    [
      "an unknown type",
      { ...rec, type: "BOGUS" },
      { status: 400, code: 1004, message: "Invalid DNS record type." },
    ],
    [
      "a lower-case type",
      { ...rec, type: "a" },
      { status: 400, code: 1004, message: "Invalid DNS record type." },
    ],
    [
      "a Cloudflare type this server does not store",
      { ...rec, type: "MX" },
      { status: 400, code: 1004, message: "Record type MX is not supported by this local Cloudflare API." },
    ],
    [
      "a missing name",
      { type: "A", content: "192.0.2.1" },
      { status: 400, code: 1004, message: "DNS name is required." },
    ],
    ["a bad name", { ...rec, name: "a..b" }, { status: 400, code: 1004, message: "DNS name is invalid." }],
    ["a missing A content", { name: "r", type: "A" }, { status: 400, code: 9005 }],
    ["an A with an IPv6 address", { ...rec, content: "2001:db8::1" }, { status: 400, code: 9005 }],
    ["an A with a leading zero", { ...rec, content: "192.0.2.01" }, { status: 400, code: 9005 }],
    ["an AAAA with an IPv4 address", { ...rec, type: "AAAA" }, { status: 400, code: 1004 }],
    [
      "a CNAME to an address",
      { ...rec, type: "CNAME" },
      { status: 400, code: 1004, message: "Content for CNAME record is invalid." },
    ],
    ["a CNAME to itself", { name: "r", type: "CNAME", content: "r.hemma.test" }, { status: 400, code: 1004 }],
    [
      "a CNAME to a single label",
      { name: "r", type: "CNAME", content: "localhost" },
      { status: 400, code: 1004 },
    ],
    ["an empty TXT", { name: "r", type: "TXT", content: "" }, { status: 400, code: 1004 }],
    [
      "a TXT over 2048 characters",
      { name: "r", type: "TXT", content: "x".repeat(2049) },
      { status: 400, code: 1004 },
    ],
    ["a TTL as a string", { ...rec, ttl: "300" }, { status: 400, code: 9022 }],
    ["a TTL below 60", { ...rec, ttl: 59 }, { status: 400, code: 9021 }],
    ["a TTL above 86400", { ...rec, ttl: 86401 }, { status: 400, code: 9021 }],
    ["a TTL of 0", { ...rec, ttl: 0 }, { status: 400, code: 9021 }],
    ["a fractional TTL", { ...rec, ttl: 300.5 }, { status: 400, code: 9021 }],
    ["proxied as a string", { ...rec, proxied: "true" }, { status: 400, code: 1004, chained: 9003 }],
    [
      "a proxied TXT",
      { name: "r", type: "TXT", content: "v=spf1", proxied: true },
      { status: 400, code: 1004, chained: 9004 },
    ],
    ["a comment with a newline", { ...rec, comment: "a\nb" }, { status: 400, code: 1004 }],
    ["a comment over 100 characters", { ...rec, comment: "c".repeat(101) }, { status: 400, code: 1004 }],
    ["a comment that is a number", { ...rec, comment: 5 }, { status: 400, code: 1004 }],
    ["tags that are not an array", { ...rec, tags: "a:b" }, { status: 400, code: 1004 }],
    ["a tag name with a space", { ...rec, tags: ["my tag:x"] }, { status: 400, code: 1004 }],
    [
      "flatten_cname on an A record",
      { ...rec, settings: { flatten_cname: true } },
      { status: 400, code: 1004 },
    ],
    ["an unknown setting", { ...rec, settings: { fast: true } }, { status: 400, code: 1004 }],
    [
      "a setting that is not a boolean",
      { ...rec, settings: { ipv4_only: "yes" } },
      { status: 400, code: 1004 },
    ],
  ])("refuses %s", (_what, body, expected) => {
    expect(codeOf(() => validateRecordBody(ZONE, body, "create"))).toMatchObject(expected);
  });

  it("checks the TTL before forcing 1 on a proxied record", () => {
    expect(codeOf(() => validateRecordBody(ZONE, { ...rec, proxied: true, ttl: 5 }, "create")).code).toBe(
      9021,
    );
  });
});
