/**
 * The report of undeclared DNS records against the local Cloudflare API, in this process: what a
 * create, refresh (read), diff and update find and keep, and that the token stays out of errors
 * and out of the serialized provider.
 */
import * as pulumi from "@pulumi/pulumi";
import { startCloudflareApi, type CloudflareApi } from "../../sandbox/cloudflare-api/server";
import {
  listZoneRecords,
  recordsExcept,
  undeclaredDnsRecordsProvider as provider,
  type UndeclaredDnsRecordsOutputs,
  type ZoneRecord,
} from "../../providers/undeclared-dns-records";

const ZONE = "0123456789abcdef0123456789abcdef";
const TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AB";
const OTHER_TOKEN = "ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-_ZY";

let api: CloudflareApi;
let host: string;
let alias: string;

/** A record as the provider keeps it. */
function kept(r: Record<string, unknown>): ZoneRecord {
  return { id: String(r.id), type: String(r.type), name: String(r.name), content: String(r.content) };
}

function inputs(declaredIds: string[]) {
  return { apiBaseUrl: api.url, apiToken: TOKEN, zoneId: ZONE, declaredIds, undeclared: [] as ZoneRecord[] };
}

beforeEach(async () => {
  api = await startCloudflareApi({
    zones: [{ id: ZONE, name: "hemma.test" }],
    tokens: [
      { value: TOKEN, zoneIds: [ZONE] },
      { value: OTHER_TOKEN, zoneIds: [] },
    ],
  });
  host = String(api.setRecord(ZONE, { name: "hemma.test", type: "A", content: "198.51.100.1", ttl: 300 }).id);
  alias = String(
    api.setRecord(ZONE, { name: "grafana.hemma.test", type: "CNAME", content: "hemma.test", ttl: 300 }).id,
  );
});

afterEach(() => api.close());

describe("recordsExcept", () => {
  it("drops the given ids and sorts by name, type and content", () => {
    const r = (id: string, name: string, type = "A", content = "192.0.2.1") => ({ id, name, type, content });
    expect(
      recordsExcept([r("3", "b.test"), r("1", "a.test", "TXT"), r("2", "a.test"), r("4", "c.test")], ["4"]),
    ).toEqual([r("2", "a.test"), r("1", "a.test", "TXT"), r("3", "b.test")]);
  });
});

describe("listZoneRecords", () => {
  it("reads every page", async () => {
    for (let i = 0; i < 1001; i++)
      api.setRecord(ZONE, { name: `t${i}.hemma.test`, type: "TXT", content: `v${i}` });
    api.clearRequests();
    const all = await listZoneRecords(`${api.url}/`, TOKEN, ZONE);
    expect(all).toHaveLength(1003);
    expect(api.requests.map((r) => r.query)).toEqual(["per_page=1000&page=1", "per_page=1000&page=2"]);
  });

  it("fails with the URL and Cloudflare's error, never the token", async () => {
    const failure = listZoneRecords(api.url, OTHER_TOKEN, ZONE);
    await expect(failure).rejects.toThrow(
      `Cloudflare API: GET ${api.url}/zones/${ZONE}/dns_records?per_page=1000&page=1 answered 403: 10000 Authentication error`,
    );
    await expect(failure).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(OTHER_TOKEN) }),
    );
  });
});

describe("the provider", () => {
  it("creates with the zone's other records as known, reporting none", async () => {
    const stray = kept(api.setRecord(ZONE, { name: "mail.hemma.test", type: "TXT", content: "v=spf1 -all" }));
    const created = await provider.create(inputs([host, alias]));
    expect(created).toEqual({
      id: `${ZONE}:undeclared-records`,
      outs: { ...inputs([host, alias]), undeclared: [], known: [stray] },
    });
  });

  it("a refresh reports a record that appeared since, diff calls it a change, and update only writes it down", async () => {
    const { outs } = await provider.create(inputs([host, alias]));
    const added = kept(api.setRecord(ZONE, { name: "stray.hemma.test", type: "A", content: "192.0.2.7" }));
    const read = await provider.read!("id", outs as UndeclaredDnsRecordsOutputs);
    expect(read.props).toEqual({ ...outs, undeclared: [added], known: [] });
    expect(
      await provider.diff!("id", read.props as UndeclaredDnsRecordsOutputs, inputs([host, alias])),
    ).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const before = api.dump(ZONE);
    const updated = await provider.update!(
      "id",
      read.props as UndeclaredDnsRecordsOutputs,
      inputs([host, alias]),
    );
    expect(updated.outs).toEqual({ ...inputs([host, alias]), undeclared: [], known: [added] });
    expect(api.dump(ZONE)).toEqual(before);
    // Once written down, the next refresh reports nothing and diff sees no change.
    const again = await provider.read!("id", updated.outs as UndeclaredDnsRecordsOutputs);
    expect(again.props).toEqual(updated.outs);
    expect(
      (await provider.diff!("id", again.props as UndeclaredDnsRecordsOutputs, inputs([host, alias]))).changes,
    ).toBe(false);
  });

  it("forgets a known record that was deleted, without calling it a change", async () => {
    const stray = kept(api.setRecord(ZONE, { name: "stray.hemma.test", type: "A", content: "192.0.2.7" }));
    const { outs } = await provider.create(inputs([host, alias]));
    api.deleteRecord(ZONE, stray.id);
    const read = await provider.read!("id", outs as UndeclaredDnsRecordsOutputs);
    expect(read.props).toEqual({ ...outs, known: [], undeclared: [] });
    expect(
      (await provider.diff!("id", read.props as UndeclaredDnsRecordsOutputs, inputs([host, alias]))).changes,
    ).toBe(false);
  });

  it("does not count a record the program stops declaring: the update runs before its delete", async () => {
    const { outs } = await provider.create(inputs([host, alias]));
    const without = inputs([host]);
    expect(await provider.diff!("id", outs as UndeclaredDnsRecordsOutputs, without)).toMatchObject({
      changes: true,
    });
    const updated = await provider.update!("id", outs as UndeclaredDnsRecordsOutputs, without);
    expect(updated.outs).toEqual({ ...without, undeclared: [], known: [] });
    api.deleteRecord(ZONE, alias);
    const read = await provider.read!("id", updated.outs as UndeclaredDnsRecordsOutputs);
    expect(read.props).toEqual(updated.outs);
  });

  it("a changed token or base URL is an update; a changed zone a replacement", async () => {
    const { outs } = await provider.create(inputs([host, alias]));
    const olds = outs as UndeclaredDnsRecordsOutputs;
    expect(
      (await provider.diff!("id", olds, { ...inputs([host, alias]), apiToken: OTHER_TOKEN })).changes,
    ).toBe(true);
    expect(
      (
        await provider.diff!("id", olds, {
          ...inputs([host, alias]),
          apiBaseUrl: "http://127.0.0.1:1/client/v4",
        })
      ).changes,
    ).toBe(true);
    expect(await provider.diff!("id", olds, { ...inputs([host, alias]), zoneId: "f".repeat(32) })).toEqual({
      changes: true,
      replaces: ["zoneId"],
      deleteBeforeReplace: false,
    });
    expect((await provider.diff!("id", olds, inputs([alias, host]))).changes).toBe(false);
  });

  it("check rejects a zone id and a base URL of the wrong shape", async () => {
    const r = await provider.check!(inputs([]), {
      ...inputs([]),
      zoneId: "zone",
      apiBaseUrl: "api.cloudflare.com",
    });
    expect(r.failures).toEqual([
      { property: "zoneId", reason: "the zone id is 32 lower-case hex digits" },
      { property: "apiBaseUrl", reason: "an http(s) URL without query or fragment" },
    ]);
  });
});

test("the serialized provider holds no secret and no token", async () => {
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  expect(sf.containsSecrets).toBe(false);
  expect(sf.text).not.toContain(TOKEN);
  expect(sf.text).toContain("AbortSignal.timeout");
});
