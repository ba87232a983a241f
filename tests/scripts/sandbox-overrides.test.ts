import { parse } from "yaml";
import { renderDevOverrides } from "../../scripts/sandbox-overrides";
import { STACK_OVERRIDES } from "../../config/overrides";
import { dnsOverrides } from "../../scripts/sandbox-cloudflare-spec";

const info = {
  container: "hemma-sandbox",
  image: "hemma-sandbox:abc",
  host: "127.0.0.1",
  port: 2222,
  httpPort: 8080,
  httpsPort: 8443,
  user: "paunchygent",
  hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIWRak+/mdoYEqs71p96gbU09ic2U6YNAGE2QFr1mTFR",
  privateKeyPath: "/r/.sandbox/id_ed25519",
  knownHostsPath: "/r/.sandbox/known_hosts",
};
const KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

describe("renderDevOverrides", () => {
  const doc = parse(renderDevOverrides(info, KEY, dnsOverrides("172.18.0.1"))) as {
    config: Record<string, unknown>;
  };

  it("overrides hemma:ssh with the sandbox address, user and pinned key, on one line", () => {
    expect(doc.config["hemma:ssh"]).toEqual({
      host: "127.0.0.1",
      port: 2222,
      user: "paunchygent",
      hostKey: info.hostKey,
    });
  });

  it("points the docker provider at the sandbox's own Docker Engine over the same SSH login and key", () => {
    expect(doc.config["hemma:docker"]).toEqual({
      host: "ssh://paunchygent@127.0.0.1:2222",
      sshIdentityFile: "/r/.sandbox/id_ed25519",
    });
  });

  it("points the provider (plain HTTP) and ddclient (HTTPS, with the sandbox's CA file) at the local Cloudflare API on the gateway", () => {
    expect(doc.config["hemma:dns"]).toEqual({
      apiBaseUrl: "http://172.18.0.1:8787/client/v4",
      ddclient: { server: "172.18.0.1:8443/client/v4", caFile: "/etc/hemma-sandbox/cloudflare-api-ca.pem" },
    });
  });

  it("carries the private key verbatim as the plaintext hemma:sshPrivateKey", () => {
    expect(doc.config["hemma:sshPrivateKey"]).toBe(KEY);
  });

  it("supplies every key path the dev stack expects from its overrides file", () => {
    for (const keyPath of STACK_OVERRIDES.dev!.provides) {
      const [top, ...rest] = keyPath.split(".");
      let value: unknown = doc.config[top!];
      for (const k of rest) value = (value as Record<string, unknown>)[k];
      expect(value).toBeTruthy();
    }
  });
});
