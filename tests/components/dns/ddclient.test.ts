import { renderDdclientConf, renderDdclientDefaults } from "../../../render/dns/ddclient";

const TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AB";
const RECORD_ID = "372e67954025e0ba6aaa6d586b9e0b59";
const base = {
  zone: "hule.education",
  hostname: "hemma.hule.education",
  ttl: 300,
  apiToken: TOKEN,
  hostRecordId: RECORD_ID,
};

describe("renderDdclientConf", () => {
  it("renders prod's Cloudflare config for the host record, readable by root only", () => {
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
        `# Record id ${RECORD_ID}: when Pulumi creates the record again, this line changes and the\n` +
        "# restart that follows empties the cache, so ddclient writes the address at once.\n" +
        "syslog=yes\n" +
        "ssl=yes\n" +
        "cache=/var/cache/ddclient/ddclient.cache\n" +
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

  it("renders dev's: the zone apex, the interface's address, the local API and the CA that signed its certificate", () => {
    const { content } = renderDdclientConf({
      ...base,
      zone: "hemma.test",
      hostname: "hemma.test",
      addressFrom: { interface: "eth0" },
      server: "172.18.0.1:8443/client/v4",
      caFile: "/etc/hemma-sandbox/cloudflare-api-ca.pem",
    });
    expect(content.split("\n").filter((l) => !l.startsWith("#"))).toEqual([
      "syslog=yes",
      "ssl=yes",
      "cache=/var/cache/ddclient/ddclient.cache",
      "usev4=ifv4",
      "ifv4=eth0",
      "protocol=cloudflare",
      "server=172.18.0.1:8443/client/v4",
      "ssl_ca_file=/etc/hemma-sandbox/cloudflare-api-ca.pem",
      "zone=hemma.test",
      "ttl=300",
      "login=token",
      `password='${TOKEN}'`,
      "hemma.test",
      "",
    ]);
  });

  it("has no daemon= line, so a hand-run `ddclient -force` runs once instead of forking a daemon", () => {
    expect(renderDdclientConf(base).content).not.toMatch(/^daemon=/m);
  });

  it("carries the TTL and a web lookup service through", () => {
    const { content } = renderDdclientConf({ ...base, ttl: 1, addressFrom: { web: "https://ip.example/" } });
    expect(content).toContain("\nttl=1\n");
    expect(content).toContain("\nusev4=webv4\nwebv4=https://ip.example/\n");
  });

  it("changes with the record id, so a re-created record restarts ddclient", () => {
    expect(renderDdclientConf({ ...base, hostRecordId: "another" }).content).not.toBe(
      renderDdclientConf(base).content,
    );
  });

  it.each([
    [
      { apiToken: "it's" },
      "ddclient: the Cloudflare API token (hemma:cloudflareDdnsToken, value not shown) is not 20-200 letters, digits, '-' or '_'",
    ],
    [{ apiToken: `${TOKEN}\nzone=evil.org` }, "value not shown"],
    [
      { hostname: "hemma.example.org" },
      "ddclient: hostname 'hemma.example.org' is not hule.education or a lower-case DNS name inside it",
    ],
    [
      { zone: "Hule.Education", hostname: "hemma.Hule.Education" },
      "ddclient: zone 'Hule.Education' is not a lower-case DNS name",
    ],
    [{ ttl: 30 }, "ddclient: ttl 30 is not 1 or 60-86400"],
    [{ hostRecordId: "a b" }, "ddclient: host record id 'a b' is not an identifier"],
    [{ addressFrom: { interface: "eth0; rm" } }, "ddclient: interface 'eth0; rm' is not an interface name"],
    [
      { addressFrom: { web: "ip ify" } },
      "ddclient: web address service 'ip ify' is not a service name or URL",
    ],
    [
      { server: "https://172.18.0.1:8443/client/v4" },
      "ddclient: server 'https://172.18.0.1:8443/client/v4' is not host[:port]/path without a scheme",
    ],
    [{ caFile: "ca.pem" }, "ddclient: caFile 'ca.pem' is not an absolute path"],
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

describe("renderDdclientDefaults", () => {
  it("sets the interval the packaged unit passes as -daemon, and turns the DHCP and PPP hooks off", () => {
    expect(renderDdclientDefaults(300)).toEqual({
      path: "/etc/default/ddclient",
      mode: "0644",
      owner: "root",
      group: "root",
      kind: "config",
      content:
        "# Managed by hemma-infra (Pulumi): local edits show up as drift and are overwritten by the next up.\n" +
        'run_dhclient="false"\n' +
        'run_ipup="false"\n' +
        'daemon_interval="300"\n',
    });
  });

  it.each([10, 90.5])("rejects an interval of %p", (seconds) => {
    expect(() => renderDdclientDefaults(seconds)).toThrow(
      `ddclient: checkIntervalSeconds ${seconds} is not a whole number >= 60`,
    );
  });
});
