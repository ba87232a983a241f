import { HemmaAreasSchema } from "../../../config/schema";
import { crossAreaIssues } from "../../../config/schema/cross-checks";
import { dnsCrossIssues, dnsRecordIssues, dnsSchema, isReservedZone } from "../../../config/schema/dns";

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
      ddclient: { addressFrom: { web: "ipify-ipv4" } },
    });
  });

  it("takes a local API: the provider's base URL, ddclient's server, CA file and interface", () => {
    const local = {
      ...dns,
      apiBaseUrl: "http://172.18.0.1:8787/client/v4",
      ddclient: {
        addressFrom: { interface: "eth0" },
        server: "172.18.0.1:8443/client/v4",
        caFile: "/etc/hemma-sandbox/cloudflare-api-ca.pem",
      },
    };
    expect(dnsSchema.parse(local)).toMatchObject({ apiBaseUrl: local.apiBaseUrl, ddclient: local.ddclient });
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
    [
      { apiBaseUrl: "ftp://172.18.0.1/client/v4" },
      ["apiBaseUrl"],
      "an http(s) URL without credentials, query or fragment, such as http://172.18.0.1:8787/client/v4",
    ],
    [
      { apiBaseUrl: "https://user:pw@api.example/client/v4" },
      ["apiBaseUrl"],
      "an http(s) URL without credentials, query or fragment, such as http://172.18.0.1:8787/client/v4",
    ],
    [
      { ddclient: { server: "https://172.18.0.1:8443/client/v4" } },
      ["ddclient", "server"],
      "host[:port]/path without a scheme, e.g. 172.18.0.1:8443/client/v4: ddclient always uses https for Cloudflare",
    ],
    [{ ddclient: { caFile: "ca.pem" } }, ["ddclient", "caFile"], undefined],
    [
      { ddclient: { addressFrom: { interface: "eth0 && true" } } },
      ["ddclient", "addressFrom", "interface"],
      "a network interface name such as eth0 (1-15 characters)",
    ],
    [
      { ddclient: { addressFrom: { web: "ipify-ipv4", interface: "eth0" } } },
      ["ddclient", "addressFrom"],
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

  it("reports a vhost the stack serves without a record", () => {
    const records = without(dns.records, "jaeger.hemma.hule.education");
    expect(dnsCrossIssues(config({ dns: { ...dns, records } }))).toEqual([
      {
        path: ["dns", "records"],
        input: records,
        message:
          "a record for domains.jaeger (jaeger.hemma.hule.education): every vhost this stack serves needs its DNS name",
      },
    ]);
  });

  it.each([
    ["switched off", { jaeger: { enabled: false } }],
    ["not routed", { jaeger: { route: false } }],
  ])("lets a vhost go without a record when its service is %s", (_what, observability) => {
    const records = without(dns.records, "jaeger.hemma.hule.education");
    expect(dnsCrossIssues(config({ dns: { ...dns, records }, observability }))).toEqual([]);
  });

  it("needs no app record without the docker layer, and still a record for a vhost whose observability config is broken", () => {
    const noApp = without(dns.records, "skriptoteket.hule.education");
    expect(
      dnsCrossIssues(
        config({ dns: { ...dns, records: noApp }, features: { docker: false, host: true, dns: true } }),
      ),
    ).toEqual([]);
    const noJaeger = without(dns.records, "jaeger.hemma.hule.education");
    expect(
      dnsCrossIssues(
        config({ dns: { ...dns, records: noJaeger }, observability: { jaeger: { enabled: "no" } } }),
      ).map((i) => i.path),
    ).toEqual([["dns", "records"]]);
  });

  it("accepts the host record at the zone apex (dev's hemma.test) and rejects one outside the zone", () => {
    const apex = config({ domains: { ...domains, host: "hule.education" } });
    expect(dnsCrossIssues(apex)).toEqual([]);
    expect(dnsCrossIssues(config({ domains: { ...domains, host: "hemma.example.org" } }))).toEqual([
      {
        path: ["domains", "host"],
        input: "hemma.example.org",
        message:
          "the zone hule.education itself or a name inside it (dns.zone), so its record can be managed there",
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
      "a record for domains.jaeger (jaeger.hemma.hule.education): every vhost this stack serves needs its DNS name",
    );
  });

  describe("a zone under a reserved TLD (only a local API can serve it)", () => {
    const testDomains = {
      app: "skriptoteket.hemma.test",
      grafana: "grafana.hemma.test",
      prometheus: "prometheus.hemma.test",
      jaeger: "jaeger.hemma.test",
      host: "hemma.test",
    };
    const testDns = {
      ...dns,
      zone: "hemma.test",
      records: Object.fromEntries(
        Object.values(testDomains)
          .filter((n) => n !== "hemma.test")
          .map((n) => [n, {}]),
      ),
    };
    const why =
      "hemma.test is under a reserved top-level domain, so only a local Cloudflare API can serve it";

    it("needs the provider's base URL, and ddclient's server and CA file when ddclient runs", () => {
      expect(dnsCrossIssues(config({ domains: testDomains, dns: testDns }))).toEqual([
        { path: ["dns", "apiBaseUrl"], input: undefined, message: `the local API's base URL: ${why}` },
        {
          path: ["dns", "ddclient", "server"],
          input: undefined,
          message: `the local API as ddclient reaches it from the host (host:port/path): ${why}`,
        },
        {
          path: ["dns", "ddclient", "caFile"],
          input: undefined,
          message: `the CA file on the host for the local API's certificate: ${why}, and its certificate is not from a public CA`,
        },
      ]);
    });

    it("needs only the base URL without the host layer, and nothing once all are set", () => {
      expect(
        dnsCrossIssues(
          config({ domains: testDomains, dns: testDns, features: { docker: true, host: false, dns: true } }),
        ).map((i) => i.path),
      ).toEqual([["dns", "apiBaseUrl"]]);
      const local = {
        ...testDns,
        apiBaseUrl: "http://172.18.0.1:8787/client/v4",
        ddclient: { server: "172.18.0.1:8443/client/v4", caFile: "/etc/ca.pem" },
      };
      expect(dnsCrossIssues(config({ domains: testDomains, dns: local }))).toEqual([]);
    });

    it.each([
      ["hemma.test", true],
      ["a.example", true],
      ["x.invalid", true],
      ["dev.localhost", true],
      ["hule.education", false],
      ["test.hule.education", false],
    ])("%s reserved: %p", (zone, reserved) => {
      expect(isReservedZone(zone)).toBe(reserved);
    });
  });
});
