import {
  CLOUDFLARE_API_HTTPS_PORT,
  CLOUDFLARE_API_HTTP_PORT,
  SANDBOX_CA_FILE,
  TOKENS_ENV,
  cloudflareApiArgs,
  cloudflareApiFiles,
  cloudflareApiFingerprint,
  cloudflareApiUrls,
  dnsOverrides,
  tokensEnvValue,
} from "../../scripts/sandbox-cloudflare-spec";
import { parseArgs } from "../../sandbox/cloudflare-api/cli";

const ZONE = { name: "hemma.test", id: "ae14c8ea262d5510ada7cc4fc0f760f1" };
const T1 = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AB";
const T2 = "ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-_ZY";
const files = cloudflareApiFiles("/r/.sandbox/hemma-sandbox-x");

describe("the sandbox's local Cloudflare API", () => {
  it("keeps its files in the sandbox's directory", () => {
    expect(files).toEqual({
      dir: "/r/.sandbox/hemma-sandbox-x/cloudflare-api",
      stateFile: "/r/.sandbox/hemma-sandbox-x/cloudflare-api/state.json",
      logFile: "/r/.sandbox/hemma-sandbox-x/cloudflare-api/api.log",
      processFile: "/r/.sandbox/hemma-sandbox-x/cloudflare-api/process.json",
      caKey: "/r/.sandbox/hemma-sandbox-x/cloudflare-api/ca.key",
      caCert: "/r/.sandbox/hemma-sandbox-x/cloudflare-api/ca.pem",
      serverKey: "/r/.sandbox/hemma-sandbox-x/cloudflare-api/server.key",
      serverCert: "/r/.sandbox/hemma-sandbox-x/cloudflare-api/server.pem",
      serverSanFile: "/r/.sandbox/hemma-sandbox-x/cloudflare-api/server.san",
    });
  });

  it("serves the dev zone over HTTP and HTTPS on the gateway, with its records in the state file and no token on its command line", () => {
    const args = cloudflareApiArgs(ZONE, "172.18.0.1", files);
    const env = { [TOKENS_ENV]: tokensEnvValue([T1, T2], ZONE) };
    expect(parseArgs(args, env)).toEqual({
      server: {
        zones: [{ name: "hemma.test", id: ZONE.id }],
        tokens: [
          { value: T1, zoneIds: [ZONE.id] },
          { value: T2, zoneIds: [ZONE.id] },
        ],
        keys: [],
        host: "172.18.0.1",
        port: CLOUDFLARE_API_HTTP_PORT,
        stateFile: files.stateFile,
      },
      tlsFiles: { cert: files.serverCert, key: files.serverKey },
      tlsListener: { port: CLOUDFLARE_API_HTTPS_PORT },
      logRequests: true,
    });
    expect(args.join(" ")).not.toContain(T1);
    expect(args.join(" ")).not.toContain(T2);
  });

  it("gives the provider the plain URL and ddclient the HTTPS one without its scheme, with the CA file in the sandbox", () => {
    expect(cloudflareApiUrls("172.18.0.1")).toEqual({
      url: "http://172.18.0.1:8787/client/v4",
      tlsUrl: "https://172.18.0.1:8443/client/v4",
    });
    expect(dnsOverrides("172.18.0.1")).toEqual({
      apiBaseUrl: "http://172.18.0.1:8787/client/v4",
      ddclient: { server: "172.18.0.1:8443/client/v4", caFile: SANDBOX_CA_FILE },
    });
  });

  it("keeps a running API only while arguments, tokens, certificate and code are the same", () => {
    const args = cloudflareApiArgs(ZONE, "172.18.0.1", files);
    const code = [{ path: "server.ts", content: "a" }];
    const base = cloudflareApiFingerprint(args, [T1, T2], "CERT", code);
    expect(cloudflareApiFingerprint(args, [T1, T2], "CERT", [...code])).toBe(base);
    for (const other of [
      cloudflareApiFingerprint(cloudflareApiArgs(ZONE, "172.19.0.1", files), [T1, T2], "CERT", code),
      cloudflareApiFingerprint(args, [T1, T1], "CERT", code),
      cloudflareApiFingerprint(args, [T1, T2], "CERT2", code),
      cloudflareApiFingerprint(args, [T1, T2], "CERT", [{ path: "server.ts", content: "b" }]),
    ])
      expect(other).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(base).not.toContain(T1.slice(0, 8));
  });
});
