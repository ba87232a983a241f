/**
 * The local Cloudflare API over loopback HTTP: every endpoint, every refusal, the envelope, paging
 * and token scoping, as a client (the provider, ddclient) sees them.
 */
import { writeSelfSignedCert } from "../../support/tls";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tokenId } from "../../../sandbox/cloudflare-api/auth";
import { CloudflareApiError } from "../../../sandbox/cloudflare-api/errors";
import { idFrom } from "../../../sandbox/cloudflare-api/ids";
import { startCloudflareApi, type CloudflareApi } from "../../../sandbox/cloudflare-api/server";
import { call, type Reply } from "./api-client";

const Z1 = "0123456789abcdef0123456789abcdef";
const Z2 = "fedcba9876543210fedcba9876543210";
const UNKNOWN_ZONE = "00000000000000000000000000000000";
const T1 = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AB"; // hemma.test only
const T2 = "t2t2t2t2t2t2t2t2t2t2t2t2t2t2t2t2t2t2t2t2"; // both zones
const KEY = { email: "ops@hemma.test", key: "0123456789abcdef0123456789abcdef01234" }; // other.test only
const ID = /^[0-9a-f]{32}$/;

let api: CloudflareApi;
let clock: Date;
const tick = (ms: number) => (clock = new Date(clock.getTime() + ms));

beforeEach(async () => {
  clock = new Date("2026-01-01T00:00:00.000Z");
  api = await startCloudflareApi({
    zones: [
      { id: Z1, name: "hemma.test" },
      { id: Z2, name: "Other.Test" },
    ],
    tokens: [
      { value: T1, zoneIds: [Z1] },
      { value: T2, zoneIds: [Z1, Z2] },
    ],
    keys: [{ ...KEY, zoneIds: [Z2] }],
    now: () => clock,
  });
});
afterEach(() => api.close());

const get = (p: string, token: string | undefined = T1) => call(api.url, "GET", p, token ? { token } : {});
const post = (p: string, body: unknown, token = T1) => call(api.url, "POST", p, { token, body });
const records = `/zones/${Z1}/dns_records`;

/** The failure envelope, exactly as Cloudflare shapes it. */
function expectFailure(reply: Reply, status: number, errors: unknown[]): void {
  expect(reply.status).toBe(status);
  expect(reply.headers["content-type"]).toBe("application/json");
  expect(reply.body).toEqual({ success: false, errors, messages: [], result: null });
}

async function createHost(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const reply = await post(records, {
    name: "hemma",
    type: "A",
    content: "192.0.2.10",
    ttl: 300,
    proxied: false,
    comment: "managed by hemma-infra (Pulumi)",
    ...extra,
  });
  expect(reply.status).toBe(200);
  return reply.body.result as Record<string, unknown>;
}

describe("credentials", () => {
  it("/user/tokens/verify answers a known token as Cloudflare's docs show", async () => {
    const reply = await get("/user/tokens/verify");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      success: true,
      errors: [],
      messages: [{ code: 10000, message: "This API Token is valid and active", type: null }],
      result: { id: tokenId(T1), status: "active" },
    });
    expect(reply.body.result).not.toEqual(expect.objectContaining({ id: T1 }));
  });

  it.each<[string, Record<string, string>, number, unknown[]]>([
    [
      "no credential",
      {},
      400,
      [{ code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }],
    ],
    [
      "an API key",
      { "x-auth-email": KEY.email, "x-auth-key": KEY.key },
      400,
      [{ code: 1001, message: 'Missing "Authorization" header' }],
    ],
    [
      "an unknown token",
      { authorization: `Bearer ${"u".repeat(40)}` },
      401,
      [{ code: 1000, message: "Invalid API Token" }],
    ],
  ])("/user/tokens/verify refuses %s", async (_what, headers, status, errors) => {
    expectFailure(await call(api.url, "GET", "/user/tokens/verify", { headers }), status, errors);
  });

  const malformed = [
    {
      code: 6003,
      message: "Invalid request headers",
      error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }],
    },
  ];
  it.each<[string, Record<string, string>, number, unknown[]]>([
    [
      "no credential",
      {},
      400,
      [{ code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }],
    ],
    ["a Basic header", { authorization: "Basic dXNlcjpwYXNz" }, 400, malformed],
    ["a token shorter than 40", { authorization: "Bearer short-token" }, 400, malformed],
    ["a token with a bad character", { authorization: `Bearer ${"x".repeat(39)}!` }, 400, malformed],
    ["Bearer without a token", { authorization: "Bearer" }, 400, malformed],
    [
      "an unknown token",
      { authorization: `Bearer ${"u".repeat(40)}` },
      403,
      [{ code: 9109, message: "Invalid access token" }],
    ],
    [
      "an e-mail without a key",
      { "x-auth-email": KEY.email },
      400,
      [{ code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }],
    ],
    [
      "an unknown API key",
      { "x-auth-email": KEY.email, "x-auth-key": "f".repeat(37) },
      403,
      [{ code: 9103, message: "Unknown X-Auth-Key or X-Auth-Email" }],
    ],
    [
      "an API key outside its zones",
      { "x-auth-email": KEY.email, "x-auth-key": KEY.key },
      403,
      [{ code: 10000, message: "Authentication error" }],
    ],
  ])("a DNS request with %s is refused", async (_what, headers, status, errors) => {
    expectFailure(await call(api.url, "GET", records, { headers }), status, errors);
  });

  it("a legacy API key (ddclient without login=token) works in its zones", async () => {
    const reply = await call(api.url, "GET", `/zones/${Z2}/dns_records`, {
      headers: { "x-auth-email": "OPS@hemma.test", "x-auth-key": KEY.key },
    });
    expect(reply.status).toBe(200);
  });
});

describe("token scoping", () => {
  it.each([
    ["list records", "GET", `/zones/${Z2}/dns_records`],
    ["create a record", "POST", `/zones/${Z2}/dns_records`],
    ["read a record", "GET", `/zones/${Z2}/dns_records/${"a".repeat(32)}`],
    ["delete a record", "DELETE", `/zones/${Z2}/dns_records/${"a".repeat(32)}`],
    ["read the zone", "GET", `/zones/${Z2}`],
  ])("a token cannot %s in a zone it is not scoped to", async (_what, method, p) => {
    const body = method === "POST" ? { name: "x", type: "A", content: "192.0.2.1" } : undefined;
    expectFailure(await call(api.url, method, p, { token: T1, body }), 403, [
      { code: 10000, message: "Authentication error" },
    ]);
    expect(api.dump(Z2)).toEqual([]);
  });

  it("an unknown zone gets the same answer as a zone out of scope", async () => {
    expectFailure(await get(`/zones/${UNKNOWN_ZONE}/dns_records`, T2), 403, [
      { code: 10000, message: "Authentication error" },
    ]);
  });

  it("GET /zones lists only the zones the token reaches", async () => {
    const one = await get("/zones");
    expect((one.body.result as { name: string }[]).map((z) => z.name)).toEqual(["hemma.test"]);
    const both = await get("/zones", T2);
    expect((both.body.result as { name: string }[]).map((z) => z.name)).toEqual(["hemma.test", "other.test"]);
  });
});

describe("routing", () => {
  it.each([
    [`/zones/not-a-zone-id/dns_records`],
    [`/zones/${Z1.toUpperCase()}/dns_records`],
    [`/zones/${Z1}/dns_records/12345`],
    [`/zones/${Z1}/dns_records/export`],
  ])("a malformed identifier in %s is 7003 + 7000", async (p) => {
    expectFailure(await get(p), 400, [
      {
        code: 7003,
        message: `Could not route to /client/v4${p}, perhaps your object identifier is invalid?`,
      },
      { code: 7000, message: "No route for that URI" },
    ]);
  });

  it.each([["/accounts"], ["/zones/x/y/z/w/v"], ["/"], ["/user/tokens"]])(
    "an unknown path %s is 400 7000",
    async (p) => {
      expectFailure(await get(p), 400, [{ code: 7000, message: "No route for that URI" }]);
    },
  );

  it.each([
    ["PATCH", records],
    ["DELETE", records],
    ["POST", `/zones/${Z1}`],
    ["PUT", "/zones"],
  ])("%s %s is refused with the method named", async (method, p) => {
    expectFailure(await call(api.url, method, p, { token: T1 }), 405, [
      { code: 10000, message: `${method} method not allowed for the api_token authentication scheme` },
    ]);
  });

  it("serves the same API without the /client/v4 prefix and with ddclient's trailing slash", async () => {
    const base = api.url.replace(/\/client\/v4$/, "");
    const reply = await call(base, "GET", "/zones/?name=hemma.test", { token: T1 });
    expect(reply.status).toBe(200);
    expect((reply.body.result as { id: string }[]).map((z) => z.id)).toEqual([Z1]);
  });
});

describe("zones", () => {
  it("GET /zones?name= finds the zone by name (ddclient's lookup), with result_info", async () => {
    const reply = await get("/zones?name=hemma.test");
    expect(reply.status).toBe(200);
    expect(reply.body.success).toBe(true);
    expect(reply.body.result).toEqual([
      expect.objectContaining({ id: Z1, name: "hemma.test", status: "active", paused: false, type: "full" }),
    ]);
    expect(reply.body.result_info).toEqual({
      page: 1,
      per_page: 20,
      count: 1,
      total_count: 1,
      total_pages: 1,
    });
  });

  it.each<[string, string[]]>([
    ["name=other.test", ["other.test"]],
    ["name=OTHER.TEST", ["other.test"]],
    ["name=contains:her", ["other.test"]],
    ["name=starts_with:hemma", ["hemma.test"]],
    ["name=ends_with:.test", ["hemma.test", "other.test"]],
    ["name=not_equal:hemma.test", ["other.test"]],
    ["name=nope.test", []],
    ["status=active", ["hemma.test", "other.test"]],
    ["status=pending", []],
    ["status=pending&name=other.test&match=any", ["other.test"]],
    ["direction=desc", ["other.test", "hemma.test"]],
  ])("GET /zones?%s", async (query, names) => {
    const reply = await get(`/zones?${query}`, T2);
    expect(reply.status).toBe(200);
    expect((reply.body.result as { name: string }[]).map((z) => z.name)).toEqual(names);
  });

  it("GET /zones/:id returns the zone", async () => {
    const reply = await get(`/zones/${Z1}`);
    expect(reply.body.result).toEqual(
      expect.objectContaining({
        id: Z1,
        name: "hemma.test",
        status: "active",
        created_on: "2026-01-01T00:00:00.000Z",
      }),
    );
  });
});

describe("DNS records", () => {
  it("POST creates a record and answers it in Cloudflare's shape, the name made full", async () => {
    const result = await createHost();
    expect(result).toEqual({
      id: expect.stringMatching(ID),
      zone_id: Z1,
      zone_name: "hemma.test",
      name: "hemma.hemma.test",
      type: "A",
      content: "192.0.2.10",
      proxiable: true,
      proxied: false,
      ttl: 300,
      settings: {},
      meta: {},
      comment: "managed by hemma-infra (Pulumi)",
      tags: [],
      created_on: "2026-01-01T00:00:00.000Z",
      modified_on: "2026-01-01T00:00:00.000Z",
      comment_modified_on: "2026-01-01T00:00:00.000Z",
    });
    const read = await get(`${records}/${String(result.id)}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ success: true, errors: [], messages: [], result });
  });

  it("omits comment_modified_on without a comment and sets tags_modified_on with tags", async () => {
    const reply = await post(records, { name: "t", type: "TXT", content: "hello", tags: ["team:ops"] });
    const result = reply.body.result as Record<string, unknown>;
    expect(result.comment).toBeNull();
    expect(result).not.toHaveProperty("comment_modified_on");
    expect(result.tags_modified_on).toBe("2026-01-01T00:00:00.000Z");
    expect(result.proxiable).toBe(false);
  });

  it("a proxied record is stored with TTL 1", async () => {
    const reply = await post(records, {
      name: "app",
      type: "CNAME",
      content: "hemma.hemma.test",
      ttl: 300,
      proxied: true,
    });
    expect(reply.body.result).toEqual(expect.objectContaining({ proxied: true, ttl: 1, proxiable: true }));
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, number, string]>([
    [
      "an identical record",
      { name: "h", type: "A", content: "192.0.2.1" },
      { name: "h.hemma.test", type: "A", content: "192.0.2.1" },
      81058,
      "An identical record already exists.",
    ],
    [
      "a CNAME on an A name",
      { name: "h", type: "A", content: "192.0.2.1" },
      { name: "h", type: "CNAME", content: "x.hemma.test" },
      81053,
      "An A, AAAA, or CNAME record with that host already exists.",
    ],
    [
      "a CNAME on a CNAME name",
      { name: "h", type: "CNAME", content: "y.hemma.test" },
      { name: "h", type: "CNAME", content: "x.hemma.test" },
      81053,
      "An A, AAAA, or CNAME record with that host already exists.",
    ],
    [
      "an AAAA on a CNAME name",
      { name: "h", type: "CNAME", content: "y.hemma.test" },
      { name: "h", type: "AAAA", content: "2001:db8::1" },
      81054,
      "A CNAME record with that host already exists. For more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>.",
    ],
  ])("refuses %s", async (_what, first, second, code, message) => {
    expect((await post(records, first)).status).toBe(200);
    expectFailure(await post(records, second), 400, [{ code, message }]);
    expect(api.dump(Z1)).toHaveLength(1);
  });

  it("allows round-robin A records and a TXT next to a CNAME", async () => {
    for (const body of [
      { name: "rr", type: "A", content: "192.0.2.1" },
      { name: "rr", type: "A", content: "192.0.2.2" },
      { name: "c", type: "CNAME", content: "rr.hemma.test" },
      { name: "c", type: "TXT", content: "note" },
    ])
      expect((await post(records, body)).status).toBe(200);
    expect(api.dump(Z1).map((r) => `${String(r.name)} ${String(r.type)} ${String(r.content)}`)).toEqual([
      "c.hemma.test CNAME rr.hemma.test",
      "c.hemma.test TXT note",
      "rr.hemma.test A 192.0.2.1",
      "rr.hemma.test A 192.0.2.2",
    ]);
  });

  it("PUT overwrites every field: what it leaves out returns to the default", async () => {
    const created = await createHost({ tags: ["a:b"] });
    tick(60_000);
    const reply = await call(api.url, "PUT", `${records}/${String(created.id)}`, {
      token: T1,
      body: { name: "hemma.hemma.test", type: "A", content: "192.0.2.11" },
    });
    expect(reply.status).toBe(200);
    const kept = { ...created };
    delete kept.comment_modified_on;
    delete kept.tags_modified_on;
    expect(reply.body.result).toEqual({
      ...kept,
      content: "192.0.2.11",
      ttl: 1,
      comment: null,
      tags: [],
      modified_on: "2026-01-01T00:01:00.000Z",
    });
    expect(reply.body.result).not.toHaveProperty("comment_modified_on");
  });

  it("PATCH with only content (ddclient's update) keeps the rest and stamps modified_on", async () => {
    const created = await createHost();
    tick(1000);
    const reply = await call(api.url, "PATCH", `${records}/${String(created.id)}`, {
      token: T1,
      body: '{"content":"198.51.100.7"}',
    });
    expect(reply.status).toBe(200);
    expect(reply.body.result).toEqual({
      ...created,
      content: "198.51.100.7",
      modified_on: "2026-01-01T00:00:01.000Z",
    });
  });

  it("PATCH of the comment moves comment_modified_on, not created_on", async () => {
    const created = await createHost();
    tick(5000);
    const reply = await call(api.url, "PATCH", `${records}/${String(created.id)}`, {
      token: T1,
      body: { comment: "edited" },
    });
    expect(reply.body.result).toEqual(
      expect.objectContaining({
        comment: "edited",
        created_on: "2026-01-01T00:00:00.000Z",
        comment_modified_on: "2026-01-01T00:00:05.000Z",
      }),
    );
  });

  it("an update that would duplicate another record is refused and changes nothing", async () => {
    await post(records, { name: "a", type: "A", content: "192.0.2.1" });
    const b = (await post(records, { name: "a", type: "A", content: "192.0.2.2" })).body.result as {
      id: string;
    };
    expectFailure(
      await call(api.url, "PATCH", `${records}/${b.id}`, { token: T1, body: { content: "192.0.2.1" } }),
      400,
      [{ code: 81058, message: "An identical record already exists." }],
    );
    expect((await get(`${records}/${b.id}`)).body.result).toEqual(
      expect.objectContaining({ content: "192.0.2.2" }),
    );
  });

  it("an invalid update is refused and changes nothing", async () => {
    const created = await createHost();
    const reply = await call(api.url, "PATCH", `${records}/${String(created.id)}`, {
      token: T1,
      body: { ttl: 30 },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e) => e.code)).toEqual([9021]);
    expect((await get(`${records}/${String(created.id)}`)).body.result).toEqual(created);
  });

  it.each([["GET"], ["PUT"], ["PATCH"], ["DELETE"]])(
    "%s of an unknown record is 404 81044",
    async (method) => {
      const body =
        method === "PUT" || method === "PATCH" ? { name: "x", type: "A", content: "192.0.2.1" } : undefined;
      expectFailure(await call(api.url, method, `${records}/${"a".repeat(32)}`, { token: T1, body }), 404, [
        { code: 81044, message: "Record does not exist." },
      ]);
    },
  );

  it("DELETE answers the id, and the record is gone", async () => {
    const created = await createHost();
    const reply = await call(api.url, "DELETE", `${records}/${String(created.id)}`, { token: T1 });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ success: true, errors: [], messages: [], result: { id: created.id } });
    expect((await get(`${records}/${String(created.id)}`)).status).toBe(404);
    expect(api.dump(Z1)).toEqual([]);
  });

  it.each<[string, unknown]>([
    ["no body", undefined],
    ["a body that is not JSON", "name=x&type=A"],
    ["a JSON array", "[]"],
  ])("POST with %s is 400 9207", async (_what, body) => {
    expectFailure(await call(api.url, "POST", records, { token: T1, body }), 400, [
      { code: 9207, message: "Request body is invalid." },
    ]);
  });

  it("a validation error reaches the client with Cloudflare's chained shape", async () => {
    expectFailure(await post(records, { name: "t", type: "TXT", content: "x", proxied: true }), 400, [
      {
        code: 1004,
        message: "DNS Validation Error",
        error_chain: [{ code: 9004, message: "This kind of record cannot be proxied" }],
      },
    ]);
  });

  it("lists with ddclient's filter and pages with result_info", async () => {
    for (let i = 1; i <= 7; i++) await post(records, { name: `n${i}`, type: "A", content: `192.0.2.${i}` });
    await post(records, { name: "n1", type: "TXT", content: "text" });

    const ddclient = await get(`${records}?type=A&name=n1.hemma.test`);
    expect((ddclient.body.result as { content: string }[]).map((r) => r.content)).toEqual(["192.0.2.1"]);

    const page2 = await get(`${records}?type=A&per_page=5&page=2&order=name`);
    expect((page2.body.result as { name: string }[]).map((r) => r.name)).toEqual([
      "n6.hemma.test",
      "n7.hemma.test",
    ]);
    expect(page2.body.result_info).toEqual({
      page: 2,
      per_page: 5,
      count: 2,
      total_count: 7,
      total_pages: 2,
    });

    expect((await get(`${records}?type=A&per_page=5&page=2&order=bogus`)).status).toBe(400);
  });
});

describe("test hooks", () => {
  it("setRecord plants a record with a chosen id that the API then serves", async () => {
    const id = "b".repeat(32);
    const planted = api.setRecord(Z1, { id, name: "hemma", type: "A", content: "192.0.2.50", ttl: 120 });
    expect(planted).toEqual(expect.objectContaining({ id, name: "hemma.hemma.test", ttl: 120 }));
    expect((await get(`${records}/${id}`)).body.result).toEqual(planted);
  });

  it("setRecord on an existing id is a change in the dashboard: the API shows it", async () => {
    const created = await createHost();
    tick(2000);
    api.setRecord(Z1, { id: String(created.id), name: "hemma", type: "A", content: "192.0.2.10", ttl: 600 });
    expect((await get(`${records}/${String(created.id)}`)).body.result).toEqual(
      expect.objectContaining({
        ttl: 600,
        comment: null,
        modified_on: "2026-01-01T00:00:02.000Z",
        created_on: "2026-01-01T00:00:00.000Z",
      }),
    );
  });

  it("setRecord validates like the API and deleteRecord removes", async () => {
    expect(() => api.setRecord(Z1, { name: "x", type: "A", content: "nope" })).toThrow(CloudflareApiError);
    const created = await createHost();
    api.deleteRecord(Z1, String(created.id));
    expect((await get(`${records}/${String(created.id)}`)).status).toBe(404);
    expect(() => api.deleteRecord(Z1, String(created.id))).toThrow(CloudflareApiError);
    expect(() => api.dump(UNKNOWN_ZONE)).toThrow(/unknown zone/);
  });

  it("logs every request: method, path, query, body, status, error codes and the caller's token id", async () => {
    await get(`${records}?type=A`);
    await post(records, { name: "x", type: "A", content: "bad" });
    await call(api.url, "GET", records);
    expect(api.requests).toEqual([
      {
        method: "GET",
        path: `/client/v4${records}`,
        query: "type=A",
        body: undefined,
        status: 200,
        errorCodes: [],
        caller: tokenId(T1),
      },
      {
        method: "POST",
        path: `/client/v4${records}`,
        query: "",
        body: { name: "x", type: "A", content: "bad" },
        status: 400,
        errorCodes: [9005],
        caller: tokenId(T1),
      },
      {
        method: "GET",
        path: `/client/v4${records}`,
        query: "",
        body: undefined,
        status: 400,
        errorCodes: [9106],
      },
    ]);
    api.clearRequests();
    expect(api.requests).toEqual([]);
  });
});

describe("startCloudflareApi", () => {
  it("refuses bad options before listening, naming every problem but never a token value", async () => {
    const bad = "short";
    await expect(
      startCloudflareApi({
        zones: [{ id: "XYZ", name: "hemma.test" }, { name: "single" }],
        tokens: [{ value: bad, zoneIds: [Z2] }],
      }),
    ).rejects.toThrow(
      new Error(
        "local Cloudflare API options:\n" +
          "  zone hemma.test: id XYZ is not 32 lower-case hex digits\n" +
          "  zone single: not a DNS name with at least two labels\n" +
          "  token #1: not 40-80 letters, digits, '-' or '_'\n" +
          `  token #1: zone id ${Z2} is not served`,
      ),
    );
  });

  it("derives a stable zone id from the name when none is given", async () => {
    const a = await startCloudflareApi({ zones: [{ name: "Dev.Test" }], tokens: [] });
    await a.close();
    expect(a.zones).toEqual([{ id: idFrom("zone:dev.test"), name: "dev.test" }]);
  });

  it("serves HTTPS with a given certificate (ddclient only speaks HTTPS to Cloudflare)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfapi-tls-"));
    try {
      writeSelfSignedCert(dir, { commonName: "127.0.0.1", subjectAltName: "IP:127.0.0.1" });
      const cert = fs.readFileSync(path.join(dir, "cert.pem"));
      const tls = await startCloudflareApi({
        zones: [{ id: Z1, name: "hemma.test" }],
        tokens: [{ value: T1, zoneIds: [Z1] }],
        tls: { cert, key: fs.readFileSync(path.join(dir, "key.pem")) },
      });
      try {
        expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
        expect(tls.tlsUrl).toBeUndefined();
        const reply = await call(tls.url, "GET", "/zones/?name=hemma.test", { token: T1, ca: cert });
        expect(reply.status).toBe(200);
        expect((reply.body.result as { id: string }[])[0]!.id).toBe(Z1);
      } finally {
        await tls.close();
      }

      // With a TLS listener of its own: plain HTTP for the provider, HTTPS for ddclient, one set of records.
      const both = await startCloudflareApi({
        zones: [{ id: Z1, name: "hemma.test" }],
        tokens: [{ value: T1, zoneIds: [Z1] }],
        tls: { cert, key: fs.readFileSync(path.join(dir, "key.pem")) },
        tlsListener: { port: 0 },
      });
      try {
        expect(both.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
        expect(both.tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
        const created = await call(both.url, "POST", `/zones/${Z1}/dns_records`, {
          token: T1,
          body: { name: "hemma.test", type: "A", content: "192.0.2.1" },
        });
        expect(created.status).toBe(200);
        const seen = await call(both.tlsUrl!, "GET", `/zones/${Z1}/dns_records?type=A&name=hemma.test`, {
          token: T1,
          ca: cert,
        });
        expect(seen.body.result).toEqual([created.body.result]);
      } finally {
        await both.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a TLS listener without a certificate", async () => {
    await expect(
      startCloudflareApi({ zones: [{ id: Z1, name: "hemma.test" }], tokens: [], tlsListener: { port: 0 } }),
    ).rejects.toThrow("local Cloudflare API options:\n  tlsListener needs tls (a certificate and key)");
  });
});
