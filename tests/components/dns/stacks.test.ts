import * as path from "node:path";
import { installMocks } from "../../../scripts/mock-engine";

const harness = installMocks("prod");

import { loadPlanConfig, placeholderSecrets, secretPlaceholder } from "../../../scripts/plan";
import { buildDnsLayer } from "../../../stacks/layers/dns";
import { HOST_COMMENT, MANAGED_COMMENT } from "../../../components/dns/hemma-dns-records";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const RECORD = "cloudflare:index/dnsRecord:DnsRecord";
/** prod's zone id is an operator value (not committed); plan's placeholder stands in for it. */
const ZONE_ID = "00000000000000000000000000000000";

async function build(stack: string) {
  const loaded = loadPlanConfig(ROOT, stack);
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  const layer = buildDnsLayer({ config: loaded.config, secrets: await placeholderSecrets() });
  await harness.settle();
  return layer;
}

describe("DNS records per stack (committed Pulumi.<stack>.yaml)", () => {
  beforeEach(() => harness.reset());

  it("prod: the host A record and the four vhost CNAMEs, exactly", async () => {
    await build("prod");
    const records = harness
      .ofType(RECORD)
      .map((r) => r.inputs)
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    const cname = (name: string) => ({
      zoneId: ZONE_ID,
      name,
      type: "CNAME",
      content: "hemma.hule.education",
      ttl: 300,
      proxied: false,
      comment: MANAGED_COMMENT,
    });
    expect(records).toEqual([
      cname("grafana.hemma.hule.education"),
      {
        zoneId: ZONE_ID,
        name: "hemma.hule.education",
        type: "A",
        content: "83.252.61.217",
        ttl: 300,
        proxied: false,
        comment: HOST_COMMENT,
      },
      cname("jaeger.hemma.hule.education"),
      cname("prometheus.hemma.hule.education"),
      cname("skriptoteket.hule.education"),
    ]);
  });

  it("prod: one Cloudflare provider, its token the secret hemma:cloudflareApiToken, on Cloudflare's own API", async () => {
    await build("prod");
    const [provider] = harness.ofType("pulumi:providers:cloudflare");
    expect(provider!.inputs.apiToken).toBe(secretPlaceholder("cloudflareApiToken"));
    expect(provider!.secretPaths).toContain("apiToken");
    expect(provider!.inputs).not.toHaveProperty("baseUrl");
    expect(harness.ofType("pulumi:providers:cloudflare")).toHaveLength(1);
    const audit = harness.get("pulumi-nodejs:dynamic/dns:UndeclaredDnsRecords", "dns-undeclared");
    expect(audit.inputs.apiBaseUrl).toBe("https://api.cloudflare.com/client/v4");
  });

  it("prod: ddclient.conf on the host, 0600, holding the DDNS token as a secret, and its interval file", async () => {
    await build("prod");
    const conf = harness.get("pulumi-nodejs:dynamic/host:HostFile", "ddclient-conf");
    expect(conf.inputs.path).toBe("/etc/ddclient.conf");
    expect(conf.inputs.mode).toBe("0600");
    expect(conf.inputs.content).toContain(
      `password='${secretPlaceholder("cloudflareDdnsToken")}'\nhemma.hule.education\n`,
    );
    expect(conf.inputs.content).toContain("# Record id dns-hemma-id:");
    expect(conf.inputs.content).toContain(
      "\nusev4=webv4\nwebv4=ipify-ipv4\nprotocol=cloudflare\nzone=hule.education\n",
    );
    expect(conf.inputs.onChange).toBe(
      "rm -f /var/cache/ddclient/ddclient.cache && systemctl try-restart ddclient.service",
    );
    expect(conf.secretPaths).toContain("content");
    const defaults = harness.get("pulumi-nodejs:dynamic/host:HostFile", "ddclient-defaults");
    expect([defaults.inputs.path, defaults.inputs.content]).toEqual([
      "/etc/default/ddclient",
      expect.stringContaining('\ndaemon_interval="300"\n'),
    ]);
    const service = harness.get("pulumi-nodejs:dynamic/host:SystemdUnit", "ddclient-service");
    expect([service.inputs.name, service.inputs.enabled, service.inputs.active]).toEqual([
      "ddclient.service",
      true,
      true,
    ]);
    expect(service.options.dependencies).toEqual([conf.urn, defaults.urn]);
  });

  it("dev: prod's record set with dev's names, the host at the zone apex hemma.test", async () => {
    await build("dev");
    const records = harness.ofType(RECORD).map((r) => [r.name, r.inputs]);
    const cname = (name: string) => ({
      zoneId: "ae14c8ea262d5510ada7cc4fc0f760f1",
      name,
      type: "CNAME",
      content: "hemma.test",
      ttl: 300,
      proxied: false,
      comment: MANAGED_COMMENT,
    });
    expect(records).toEqual([
      [
        "dns-apex",
        {
          zoneId: "ae14c8ea262d5510ada7cc4fc0f760f1",
          name: "hemma.test",
          type: "A",
          content: "198.51.100.1",
          ttl: 300,
          proxied: false,
          comment: HOST_COMMENT,
        },
      ],
      ["dns-grafana", cname("grafana.hemma.test")],
      ["dns-jaeger", cname("jaeger.hemma.test")],
      ["dns-prometheus", cname("prometheus.hemma.test")],
      ["dns-skriptoteket", cname("skriptoteket.hemma.test")],
    ]);
  });

  it("dev: the provider and the undeclared-record report go to the sandbox's local API", async () => {
    await build("dev");
    const [provider] = harness.ofType("pulumi:providers:cloudflare");
    expect(provider!.inputs.baseUrl).toBe("http://unset.plan.invalid/client/v4");
    const audit = harness.get("pulumi-nodejs:dynamic/dns:UndeclaredDnsRecords", "dns-undeclared");
    expect(audit.inputs.apiBaseUrl).toBe("http://unset.plan.invalid/client/v4");
    expect(audit.inputs.apiToken).toBe(secretPlaceholder("cloudflareApiToken"));
  });

  it("dev: ddclient takes the sandbox's address from eth0 and updates the local API over HTTPS", async () => {
    await build("dev");
    const conf = harness.get("pulumi-nodejs:dynamic/host:HostFile", "ddclient-conf");
    expect(
      String(conf.inputs.content)
        .split("\n")
        .filter((l) => !l.startsWith("#")),
    ).toEqual([
      "syslog=yes",
      "ssl=yes",
      "cache=/var/cache/ddclient/ddclient.cache",
      "usev4=ifv4",
      "ifv4=eth0",
      "protocol=cloudflare",
      "server=unset.plan.invalid/client/v4",
      "ssl_ca_file=/unset.plan.invalid/ca.pem",
      "zone=hemma.test",
      "ttl=300",
      "login=token",
      `password='${secretPlaceholder("cloudflareDdnsToken")}'`,
      "hemma.test",
      "",
    ]);
    const defaults = harness.get("pulumi-nodejs:dynamic/host:HostFile", "ddclient-defaults");
    expect(defaults.inputs.content).toContain('\ndaemon_interval="60"\n');
  });
});
