import { installMocks } from "../../../scripts/mock-engine";

const harness = installMocks("prod");

import {
  HemmaDnsRecords,
  HOST_COMMENT,
  MANAGED_COMMENT,
  recordResourceName,
} from "../../../components/dns/hemma-dns-records";

const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const UNDECLARED = "pulumi-nodejs:dynamic/dns:UndeclaredDnsRecords";
const ZONE_ID = "0123456789abcdef0123456789abcdef";
const TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AB";

const args = {
  zoneId: ZONE_ID,
  zone: "hule.education",
  host: { name: "hemma.hule.education", initialAddress: "83.252.61.217", ttl: 300 },
  aliases: [
    { name: "skriptoteket.hule.education", proxied: true, ttl: 1 },
    { name: "grafana.hemma.hule.education", proxied: false, ttl: 300 },
  ],
  apiToken: TOKEN,
};

describe("HemmaDnsRecords", () => {
  beforeEach(() => harness.reset());

  it("creates the host A record with a placeholder address that Pulumi then leaves to ddclient", async () => {
    new HemmaDnsRecords("dns", args);
    await harness.settle();
    const host = harness.get(RECORD, "dns-hemma");
    expect(host.inputs).toEqual({
      zoneId: ZONE_ID,
      name: "hemma.hule.education",
      type: "A",
      content: "83.252.61.217",
      ttl: 300,
      proxied: false,
      comment: HOST_COMMENT,
    });
    expect(host.options.ignoreChanges).toEqual(["content"]);
  });

  it("points every alias at the host record as a CNAME, with its own TTL and proxy mode", async () => {
    const component = new HemmaDnsRecords("dns", args);
    await harness.settle();
    const records = harness.ofType(RECORD).map((r) => [r.name, r.inputs]);
    expect(records).toEqual([
      ["dns-hemma", expect.anything()],
      [
        "dns-grafana-hemma",
        {
          zoneId: ZONE_ID,
          name: "grafana.hemma.hule.education",
          type: "CNAME",
          content: "hemma.hule.education",
          ttl: 300,
          proxied: false,
          comment: MANAGED_COMMENT,
        },
      ],
      [
        "dns-skriptoteket",
        {
          zoneId: ZONE_ID,
          name: "skriptoteket.hule.education",
          type: "CNAME",
          content: "hemma.hule.education",
          ttl: 1,
          proxied: true,
          comment: MANAGED_COMMENT,
        },
      ],
    ]);
    const host = harness.get(RECORD, "dns-hemma");
    const component_ = harness.get("hemma:dns:HemmaDnsRecords", "dns");
    for (const name of ["dns-grafana-hemma", "dns-skriptoteket"]) {
      const r = harness.get(RECORD, name);
      expect(r.options.ignoreChanges).toEqual([]);
      expect(r.options.dependencies).toContain(host.urn);
      expect(r.options.parent).toBe(component_.urn);
    }
    expect(Object.keys(component.aliasRecords).sort()).toEqual([
      "grafana.hemma.hule.education",
      "skriptoteket.hule.education",
    ]);
  });

  it("reports the zone's other records through one UndeclaredDnsRecords that knows every declared record's id", async () => {
    new HemmaDnsRecords("dns", { ...args, apiBaseUrl: "http://172.18.0.1:8787/client/v4" });
    await harness.settle();
    const [audit] = harness.ofType(UNDECLARED);
    // The mock engine gives every resource the id `<name>-id`: the ids of the three records, in order.
    const ids = ["dns-hemma-id", "dns-grafana-hemma-id", "dns-skriptoteket-id"];
    expect([audit!.name, audit!.inputs]).toEqual([
      "dns-undeclared",
      {
        apiBaseUrl: "http://172.18.0.1:8787/client/v4",
        apiToken: TOKEN,
        zoneId: ZONE_ID,
        declaredIds: ids,
        undeclared: [],
        __provider: expect.any(String),
      },
    ]);
    expect(audit!.secretPaths).toContain("apiToken");
    expect(audit!.options.additionalSecretOutputs).toEqual(["apiToken"]);
    expect(audit!.options.parent).toBe(harness.get("hemma:dns:HemmaDnsRecords", "dns").urn);
  });

  it("lists through Cloudflare's own API when no base URL is given", async () => {
    new HemmaDnsRecords("dns", args);
    await harness.settle();
    expect(harness.ofType(UNDECLARED)[0]!.inputs.apiBaseUrl).toBe("https://api.cloudflare.com/client/v4");
  });

  it("names a host record at the zone apex `-apex` (dev's hemma.test)", async () => {
    new HemmaDnsRecords("dns", {
      ...args,
      zone: "hemma.test",
      host: { name: "hemma.test", initialAddress: "198.51.100.1", ttl: 300 },
      aliases: [{ name: "grafana.hemma.test", proxied: false, ttl: 300 }],
    });
    await harness.settle();
    expect(harness.ofType(RECORD).map((r) => [r.name, r.inputs.name, r.inputs.type])).toEqual([
      ["dns-apex", "hemma.test", "A"],
      ["dns-grafana", "grafana.hemma.test", "CNAME"],
    ]);
  });

  it("refuses a proxied alias with a fixed TTL, a name declared twice and an alias at the apex", () => {
    expect(
      () =>
        new HemmaDnsRecords("c", {
          ...args,
          aliases: [{ name: "hule.education", proxied: false, ttl: 300 }],
        }),
    ).toThrow("HemmaDnsRecords c: hule.education is the zone apex, which cannot be a CNAME");
    expect(
      () =>
        new HemmaDnsRecords("a", {
          ...args,
          aliases: [{ name: "x.hule.education", proxied: true, ttl: 300 }],
        }),
    ).toThrow("HemmaDnsRecords a: x.hule.education is proxied, so its ttl must be 1 (automatic), not 300");
    expect(
      () =>
        new HemmaDnsRecords("b", {
          ...args,
          aliases: [{ name: "hemma.hule.education", proxied: false, ttl: 300 }],
        }),
    ).toThrow("HemmaDnsRecords b: DNS name hemma.hule.education is declared twice");
  });
});

describe("recordResourceName", () => {
  it.each([
    ["hemma.hule.education", "dns-hemma"],
    ["grafana.hemma.hule.education", "dns-grafana-hemma"],
    ["skriptoteket.hule.education", "dns-skriptoteket"],
    ["hule.education", "dns-apex"],
  ])("%s -> %s", (fullName, expected) => {
    expect(recordResourceName("dns", fullName, "hule.education")).toBe(expected);
  });

  it("rejects a name outside the zone", () => {
    expect(() => recordResourceName("dns", "hule.education.evil.org", "hule.education")).toThrow(
      "DNS name hule.education.evil.org is not inside the zone hule.education",
    );
  });
});
