import { renderDdclientConf } from "../../../render/dns/ddclient";

const TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AB";
const base = {
  zone: "hule.education",
  hostname: "hemma.hule.education",
  ttl: 300,
  checkIntervalSeconds: 300,
  apiToken: TOKEN,
};

describe("renderDdclientConf", () => {
  it("renders the Cloudflare config for the host record, readable by root only", () => {
    expect(renderDdclientConf(base)).toEqual({
      path: "/etc/ddclient.conf",
      mode: "0600",
      owner: "root",
      group: "root",
      kind: "config",
      content:
        "# Managed by hemma-infra (Pulumi): local edits show up as drift and are overwritten by the next up.\n" +
        "# Keeps the A record hemma.hule.education at this host's public IPv4 address. Pulumi owns the\n" +
        "# record's existence, TTL and proxy mode; only its address belongs to ddclient.\n" +
        "daemon=300\n" +
        "syslog=yes\n" +
        "ssl=yes\n" +
        "usev4=webv4\n" +
        "webv4=ipify-ipv4\n" +
        "protocol=cloudflare\n" +
        "zone=hule.education\n" +
        "ttl=300\n" +
        "login=token\n" +
        `password='${TOKEN}'\n` +
        "hemma.hule.education\n",
    });
  });

  it("carries interval and TTL through", () => {
    const { content } = renderDdclientConf({ ...base, ttl: 1, checkIntervalSeconds: 600 });
    expect(content).toContain("\ndaemon=600\n");
    expect(content).toContain("\nttl=1\n");
  });

  it.each([
    [
      { apiToken: "it's" },
      "ddclient: the Cloudflare API token (hemma:cloudflareDdnsToken, value not shown) is not 20-200 letters, digits, '-' or '_'",
    ],
    [{ apiToken: `${TOKEN}\nzone=evil.org` }, "value not shown"],
    [
      { hostname: "hemma.example.org" },
      "ddclient: hostname 'hemma.example.org' is not a lower-case DNS name inside hule.education",
    ],
    [
      { zone: "Hule.Education", hostname: "hemma.Hule.Education" },
      "ddclient: zone 'Hule.Education' is not a lower-case DNS name",
    ],
    [{ ttl: 30 }, "ddclient: ttl 30 is not 1 or 60-86400"],
    [{ checkIntervalSeconds: 10 }, "ddclient: checkIntervalSeconds 10 is not a whole number >= 60"],
  ])("rejects %p", (override, message) => {
    expect(() => renderDdclientConf({ ...base, ...override })).toThrow(message);
  });

  it("never puts a rejected token into the error", () => {
    const secret = "sekrit'value-that-must-not-leak";
    expect(() => renderDdclientConf({ ...base, apiToken: secret })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) }),
    );
  });
});
