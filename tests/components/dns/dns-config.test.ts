import { HemmaAreasSchema } from "../../../config/schema";
import { crossAreaIssues } from "../../../config/schema/cross-checks";
import { dnsCrossIssues, dnsRecordIssues, dnsSchema } from "../../../config/schema/dns";

const domains = {
  app: "skriptoteket.hule.education",
  grafana: "grafana.hemma.hule.education",
  prometheus: "prometheus.hemma.hule.education",
  jaeger: "jaeger.hemma.hule.education",
  host: "hemma.hule.education",
};

const dns = {
  zone: "hule.education",
  zoneId: "0123456789abcdef0123456789abcdef",
  host: { initialAddress: "83.252.61.217" },
  records: {
    "skriptoteket.hule.education": {},
    "grafana.hemma.hule.education": {},
    "prometheus.hemma.hule.education": {},
    "jaeger.hemma.hule.education": {},
  },
};

/** A copy of `obj` without `key`. */
function without<T extends Record<string, unknown>>(obj: T, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));
}

const config = (over: Record<string, unknown> = {}) => ({
  domains,
  features: { docker: true, host: true, dns: true },
  dns,
  ...over,
});

describe("hemma:dns schema", () => {
  it("fills the documented defaults", () => {
    expect(dnsSchema.parse(dns)).toEqual({
      ...dns,
      host: { initialAddress: "83.252.61.217", ttl: 300, checkIntervalSeconds: 300 },
      records: Object.fromEntries(Object.keys(dns.records).map((k) => [k, { proxied: false, ttl: 300 }])),
    });
  });

  it.each([
    [{ zoneId: "ABC" }, ["zoneId"], "the zone's Cloudflare id: 32 lower-case hex digits"],
    [
      { host: { initialAddress: "hemma" } },
      ["host", "initialAddress"],
      "an IPv4 address such as 83.252.61.217",
    ],
    [
      { host: { initialAddress: "1.2.3.4", ttl: 3600 } },
      ["host", "ttl"],
      "at most 600 seconds (or 1): the address is dynamic, and resolvers keep an old one for the whole TTL",
    ],
    [
      { host: { initialAddress: "1.2.3.4", ttl: 30 } },
      ["host", "ttl"],
      "a TTL: 1 (automatic) or 60-86400 seconds",
    ],
    [
      { records: { "skriptoteket.hule.education": { ttl: 100000 } } },
      ["records", "skriptoteket.hule.education", "ttl"],
      "a TTL: 1 (automatic) or 60-86400 seconds",
    ],
    [
      { records: { "skriptoteket.hule.education": { proxy: true } } },
      ["records", "skriptoteket.hule.education"],
      undefined,
    ],
  ])("rejects %p at %p", (over, path, message) => {
    const result = dnsSchema.safeParse({ ...dns, ...over });
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path).toEqual(path);
    if (message !== undefined) expect(issue.message).toBe(message);
  });
});

describe("dnsRecordIssues (proxy mode and TTL against ACME HTTP-01)", () => {
  it.each([
    ["skriptoteket.hule.education", { proxied: false, ttl: 300 }, []],
    ["grafana.hemma.hule.education", { proxied: false, ttl: 60 }, []],
    ["skriptoteket.hule.education", { proxied: true, ttl: 1 }, []],
    ["skriptoteket.hule.education", { proxied: true, ttl: 300 }, ["ttl"]],
    ["grafana.hemma.hule.education", { proxied: true, ttl: 1 }, ["proxied"]],
    ["grafana.hemma.hule.education", { proxied: true, ttl: 120 }, ["ttl", "proxied"]],
  ])("%s %p -> %p", (name, record, fields) => {
    expect(dnsRecordIssues(name, "hule.education", record).map((i) => i.field)).toEqual(fields);
  });
});

describe("dnsCrossIssues", () => {
  it("accepts one record per vhost", () => {
    expect(dnsCrossIssues(config())).toEqual([]);
  });

  it("accepts a stack without DNS (dev) and requires hemma:dns to be absent there", () => {
    const withoutDns = without(config({ features: { docker: true, host: true, dns: false } }), "dns");
    expect(dnsCrossIssues(withoutDns)).toEqual([]);
    expect(dnsCrossIssues(config({ features: { docker: true, host: true, dns: false } }))).toEqual([
      {
        path: ["dns"],
        input: dns,
        message: "no hemma:dns while features.dns is false (or set features.dns: true)",
      },
    ]);
  });

  it("requires hemma:dns when features.dns is true", () => {
    const withoutDns = without(config(), "dns");
    expect(dnsCrossIssues(withoutDns)).toEqual([
      { path: ["dns"], input: undefined, message: "the Cloudflare zone and records (features.dns is true)" },
    ]);
  });

  it("reports a vhost without a record", () => {
    const records = without(dns.records, "jaeger.hemma.hule.education");
    expect(dnsCrossIssues(config({ dns: { ...dns, records } }))).toEqual([
      {
        path: ["dns", "records"],
        input: records,
        message: "a record for domains.jaeger (jaeger.hemma.hule.education): every vhost needs its DNS name",
      },
    ]);
  });

  it("reports a record without a vhost", () => {
    const records = { ...dns.records, "loki.hemma.hule.education": {} };
    expect(dnsCrossIssues(config({ dns: { ...dns, records } }))).toEqual([
      {
        path: ["dns", "records", "loki.hemma.hule.education"],
        input: {},
        message:
          "a record only for a vhost name in hemma:domains (skriptoteket.hule.education, grafana.hemma.hule.education, " +
          "prometheus.hemma.hule.education, jaeger.hemma.hule.education); a record without a vhost would be answered by nginx-proxy's default host",
      },
    ]);
  });

  it("reports names outside the zone", () => {
    const issues = dnsCrossIssues(config({ dns: { ...dns, zone: "example.org" } }));
    expect(issues.map((i) => i.path)).toEqual([
      ["domains", "host"],
      ["dns", "records", "skriptoteket.hule.education"],
      ["dns", "records", "grafana.hemma.hule.education"],
      ["dns", "records", "prometheus.hemma.hule.education"],
      ["dns", "records", "jaeger.hemma.hule.education"],
    ]);
  });

  it("reports proxy/TTL combinations that break HTTP-01, at the field", () => {
    const records = {
      ...dns.records,
      "grafana.hemma.hule.education": { proxied: true, ttl: 1 },
      "skriptoteket.hule.education": { proxied: true },
    };
    expect(dnsCrossIssues(config({ dns: { ...dns, records } }))).toEqual([
      {
        path: ["dns", "records", "skriptoteket.hule.education", "ttl"],
        input: 300,
        message: "1 (automatic) for a proxied record: Cloudflare sets the TTL of proxied names itself",
      },
      {
        path: ["dns", "records", "grafana.hemma.hule.education", "proxied"],
        input: true,
        message:
          "false: Cloudflare's edge certificate covers hule.education and *.hule.education only, so a proxied " +
          "grafana.hemma.hule.education fails TLS at the edge and the ACME HTTP-01 challenge (redirected to HTTPS) fails with it",
      },
    ]);
  });

  it("runs inside the cross-area checks that validate and the program use", () => {
    const records = without(dns.records, "jaeger.hemma.hule.education");
    const issues = crossAreaIssues(HemmaAreasSchema, config({ dns: { ...dns, records } }));
    expect(issues.map((i) => i.message)).toContain(
      "a record for domains.jaeger (jaeger.hemma.hule.education): every vhost needs its DNS name",
    );
  });
});
