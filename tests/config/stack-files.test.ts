/** The committed stack files: dev validates as cloned, prod names exactly what the operator must set. */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { validateStackFile } from "../../config/load";
import {
  PROD_OPERATOR_VALUES,
  PROD_REQUIRED_SECRETS,
  ROOT,
  addProdSecrets,
  committedProd,
  hostKeyLine,
  requiredSecrets,
  setKeyPath,
  writeStackFile,
} from "./fixtures";

const PROD = path.join(ROOT, "Pulumi.prod.yaml");
const DEV = path.join(ROOT, "Pulumi.dev.yaml");

describe("Pulumi.dev.yaml", () => {
  it("validates on a fresh clone (no overrides file): only the sandbox's values are pending", () => {
    const result = validateStackFile(DEV, "dev", { overridesFile: null });
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.pending.map((i) => i.path)).toEqual([
      "hemma:ssh.hostKey",
      "hemma:dns.apiBaseUrl",
      "hemma:dns.ddclient.server",
      "hemma:dns.ddclient.caFile",
      "hemma:sshPrivateKey",
    ]);
    // Not complete yet, so no config for the program.
    expect(result.config).toBeUndefined();
  });

  it("holds its dev secrets encrypted, never in plaintext", () => {
    const doc = YAML.parse(fs.readFileSync(DEV, "utf8"));
    expect(doc.encryptionsalt).toMatch(/^v1:/);
    for (const key of [
      "postgresAdminPassword",
      "skriptoteketDbPassword",
      "skriptoteketSecretKey",
      "prometheusBasicAuthHash",
      "cloudflareApiToken",
      "cloudflareDdnsToken",
    ]) {
      expect(doc.config[`hemma:${key}`]).toEqual({ secure: expect.stringMatching(/^v1:/) });
    }
  });

  it("with the sandbox's overrides merged is complete, and the override wins", () => {
    const dir = path.dirname(writeStackFile("", "unused"));
    const overrides = path.join(dir, "dev-overrides.yaml");
    fs.writeFileSync(
      overrides,
      YAML.stringify({
        config: {
          "hemma:ssh": { port: 2299, hostKey: hostKeyLine(9) },
          "hemma:dns": {
            apiBaseUrl: "http://172.18.0.1:8787/client/v4",
            ddclient: {
              server: "172.18.0.1:8443/client/v4",
              caFile: "/etc/hemma-sandbox/cloudflare-api-ca.pem",
            },
          },
          "hemma:sshPrivateKey":
            "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
        },
      }),
    );
    const result = validateStackFile(DEV, "dev", { overridesFile: overrides });
    expect(result.issues).toEqual([]);
    expect(result.pending).toEqual([]);
    expect(result.overridesFile).toBe(overrides);
    expect(result.config?.ssh).toEqual({
      host: "127.0.0.1",
      port: 2299,
      user: "paunchygent",
      hostKey: hostKeyLine(9),
      connectTimeoutSeconds: 10,
      commandTimeoutSeconds: 120,
    });
    expect(result.config?.letsencrypt.staging).toBe(true);
    expect(result.config?.features.dns).toBe(true);
    // The sandbox's API merges into the committed zone key by key.
    expect(result.config?.dns).toMatchObject({
      zone: "hemma.test",
      zoneId: "ae14c8ea262d5510ada7cc4fc0f760f1",
      apiBaseUrl: "http://172.18.0.1:8787/client/v4",
      ddclient: {
        addressFrom: { interface: "eth0" },
        server: "172.18.0.1:8443/client/v4",
        caFile: "/etc/hemma-sandbox/cloudflare-api-ca.pem",
      },
    });
  });

  it("reports a broken overrides file by its path", () => {
    const dir = path.dirname(writeStackFile("", "unused"));
    const overrides = path.join(dir, "dev-overrides.yaml");
    fs.writeFileSync(overrides, "config:\n  hemma:ssh:\n    port: 70000\nextra: 1\n");
    const result = validateStackFile(DEV, "dev", { overridesFile: overrides });
    expect(result.issues).toEqual([
      { path: `${overrides}: extra`, received: "1", expected: "only the top-level keys config" },
      { path: "hemma:ssh.port", received: "70000", expected: "a port number 1-65535" },
    ]);
  });
});

describe("Pulumi.prod.yaml", () => {
  it("fails naming exactly the operator values and the required secrets", () => {
    const result = validateStackFile(PROD, "prod");
    const operatorPaths = Object.keys(PROD_OPERATOR_VALUES).filter(
      (p) => p.split(".")[0]! in committedProd().config,
    );
    const secrets = requiredSecrets(committedProd(), "prod");
    expect(secrets).toEqual(expect.arrayContaining(PROD_REQUIRED_SECRETS));
    // The default basic auth (Jaeger, Prometheus), features.dns and Grafana add their secrets in prod.
    expect(secrets).toEqual([
      "sshPrivateKey",
      "postgresAdminPassword",
      "skriptoteketDbPassword",
      "skriptoteketSecretKey",
      "emailSmtpUsername",
      "emailSmtpPassword",
      "cloudflareApiToken",
      "cloudflareDdnsToken",
      "jaegerBasicAuthHash",
      "prometheusBasicAuthHash",
      "grafanaAdminPassword",
    ]);
    expect(result.ok).toBe(false);
    expect(result.issues.map((i) => i.path)).toEqual([...operatorPaths, ...secrets.map((k) => `hemma:${k}`)]);
    for (const issue of result.issues.filter((i) => !operatorPaths.includes(i.path))) {
      expect(issue.received).toBe("nothing (secret not set)");
      expect(issue.expected).toContain(`pulumi config set --secret --stack prod ${issue.path}`);
    }
  });

  it("passes once the operator values are set and the secrets are added as secure: values", () => {
    const doc = committedProd();
    for (const [keyPath, value] of Object.entries(PROD_OPERATOR_VALUES)) {
      if (keyPath.split(".")[0]! in doc.config) setKeyPath(doc, keyPath, value);
    }
    const file = writeStackFile(doc);
    // Operator values alone: only secrets are left.
    expect(
      validateStackFile(file, "prod").issues.every((i) => i.received === "nothing (secret not set)"),
    ).toBe(true);
    const complete = writeStackFile(addProdSecrets(doc));
    const result = validateStackFile(complete, "prod");
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.config?.ssh.host).toBe("hemma.tail730aa2.ts.net");
    expect(result.config?.docker.binary).toBe("/snap/bin/docker");
    expect(result.config?.docker.serviceUnit).toBe("snap.docker.dockerd.service");
    expect(result.config?.images).toEqual({
      postgres: "postgres:16-alpine",
      nginxProxy: "nginxproxy/nginx-proxy:1.6",
      acmeCompanion: "nginxproxy/acme-companion:2.4",
    });
    // Tag-only pins and the padded commit are warnings, not errors.
    expect(result.warnings.map((w) => w.path)).toEqual([
      "hemma:images.postgres",
      "hemma:images.nginxProxy",
      "hemma:images.acmeCompanion",
      "hemma:observability.prometheus.image",
      "hemma:observability.jaeger.image",
      "hemma:observability.loki.image",
      "hemma:observability.promtail.image",
      "hemma:observability.grafana.image",
      "hemma:app.commit",
    ]);
  });

  it("contains no secure: value and no secret key", () => {
    const doc = committedProd();
    expect(doc.encryptionsalt).toBeUndefined();
    const secretKeys = Object.keys(doc.config).filter((k) =>
      requiredSecrets(doc, "prod").includes(k.slice(6)),
    );
    expect(secretKeys).toEqual([]);
  });
});
