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

  it("prod: one Cloudflare provider, its token the secret hemma:cloudflareApiToken", async () => {
    await build("prod");
    const [provider] = harness.ofType("pulumi:providers:cloudflare");
    expect(provider!.inputs.apiToken).toBe(secretPlaceholder("cloudflareApiToken"));
    expect(provider!.secretPaths).toContain("apiToken");
    expect(harness.ofType("pulumi:providers:cloudflare")).toHaveLength(1);
  });

  it("prod: ddclient.conf on the host, 0600, holding the DDNS token as a secret", async () => {
    await build("prod");
    const conf = harness.get("pulumi-nodejs:dynamic/host:HostFile", "ddclient-conf");
    expect(conf.inputs.path).toBe("/etc/ddclient.conf");
    expect(conf.inputs.mode).toBe("0600");
    expect(conf.inputs.content).toContain(
      `password='${secretPlaceholder("cloudflareDdnsToken")}'\nhemma.hule.education\n`,
    );
    expect(conf.secretPaths).toContain("content");
    const service = harness.get("pulumi-nodejs:dynamic/host:SystemdUnit", "ddclient-service");
    expect([service.inputs.name, service.inputs.enabled, service.inputs.active]).toEqual([
      "ddclient.service",
      true,
      true,
    ]);
  });

  it("dev: no DNS resource at all", async () => {
    const layer = await build("dev");
    expect(layer).toBeUndefined();
    expect(harness.resources).toEqual([]);
  });
});
