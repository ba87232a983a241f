/**
 * Table test of every message `validateStackFile` produces: each row breaks one thing in a
 * complete prod stack file and asserts the exact issues reported.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { validateStackFile, type Issue } from "../../config/load";
import { completeProd, writeStackFile, type StackDoc as Doc } from "./fixtures";

/** Turns the DNS layer off, so rows about domains see only this suite's checks, not the DNS records' own. */
function withoutDns(d: Doc): Doc {
  delete d.config["hemma:dns"];
  d.config["hemma:features"].dns = false;
  return d;
}

interface Row {
  readonly name: string;
  /** Mutates the complete prod document, or returns raw file text. */
  readonly change: (doc: Doc) => Doc | string;
  /** Expected issues; `<file>` stands for the stack file's path. */
  readonly issues: readonly (Issue | { path: string; received: string; expected: jest.AsymmetricMatcher })[];
}

const ROWS: readonly Row[] = [
  {
    name: "invalid YAML names the line",
    change: () => "config:\n  hemma:ssh: [\n    host: x\n",
    issues: [
      {
        path: "<file>",
        received:
          "invalid YAML at line 4, column 1 (Flow sequence in block collection must be sufficiently indented and end with a ])",
        expected: "a valid YAML document",
      },
    ],
  },
  {
    name: "a duplicated YAML key is invalid YAML",
    change: () => "config:\n  hemma:ssh: {}\n  hemma:ssh: {}\n",
    issues: [
      {
        path: "<file>",
        received: "invalid YAML at line 3, column 3 (Map keys must be unique)",
        expected: "a valid YAML document",
      },
    ],
  },
  {
    name: "an empty file",
    change: () => "",
    issues: [{ path: "<file>", received: "an empty file", expected: "a mapping with a config: section" }],
  },
  {
    name: "an unknown top-level key of the stack file",
    change: (d) => ({ ...d, configs: {} }),
    issues: [
      {
        path: "<file>: configs",
        received: "an empty mapping",
        expected:
          "only the top-level keys config, encryptionsalt, secretsprovider, encryptedkey, environment",
      },
    ],
  },
  {
    name: "wrong type: a quoted port",
    change: (d) => ((d.config["hemma:ssh"].port = "22"), d),
    issues: [{ path: "hemma:ssh.port", received: '"22"', expected: "a port number 1-65535" }],
  },
  {
    name: "wrong type: a string where a boolean decides structure",
    change: (d) => ((d.config["hemma:features"].docker = "false"), d),
    issues: [
      {
        path: "hemma:features.docker",
        received: '"false"',
        expected: "true or false (a plain boolean: it decides which resources exist)",
      },
    ],
  },
  {
    name: "wrong type: a list where a mapping belongs",
    change: (d) => ((d.config["hemma:letsencrypt"] = ["x"]), d),
    issues: [{ path: "hemma:letsencrypt", received: "a list of 1 item", expected: "a mapping of keys" }],
  },
  {
    name: "port out of range",
    change: (d) => ((d.config["hemma:ssh"].port = 70000), d),
    issues: [{ path: "hemma:ssh.port", received: "70000", expected: "a port number 1-65535" }],
  },
  {
    name: "unknown nested key, with a suggestion",
    change: (d) => ((d.config["hemma:ssh"].prot = 22), d),
    issues: [
      {
        path: "hemma:ssh.prot",
        received: "22",
        expected:
          "no key named 'prot' here (did you mean 'port'?); known keys: host, port, user, hostKey, connectTimeoutSeconds, commandTimeoutSeconds",
      },
    ],
  },
  {
    name: "unknown key hides a string's contents (it may be a misspelt secret)",
    change: (d) => ((d.config["hemma:app"].secretKey = "s3cr3t-value"), d),
    issues: [
      {
        path: "hemma:app.secretKey",
        received: "a string (12 characters)",
        expected: expect.stringMatching(
          /^no key named 'secretKey' here; known keys: repoUrl, commit, checkoutDir, /,
        ),
      },
    ],
  },
  {
    name: "unknown top-level hemma: key, with a suggestion",
    change: (d) => ((d.config["hemma:sshh"] = { port: 22 }), d),
    issues: [
      {
        path: "hemma:sshh",
        received: "a mapping with keys port",
        expected: expect.stringMatching(
          /^a known hemma: key \(did you mean 'ssh'\?\): one of ssh, docker, domains, /,
        ),
      },
    ],
  },
  {
    name: "a key outside the hemma: namespace (pulumi: keys are allowed)",
    change: (d) => {
      d.config["docker:host"] = "unix:///var/run/docker.sock";
      d.config["pulumi:tags"] = { owner: "ops" };
      return d;
    },
    issues: [
      {
        path: "docker:host",
        received: "a string (27 characters)",
        expected:
          "no key outside the hemma: namespace (all program config lives under hemma:; provider settings are derived from it)",
      },
    ],
  },
  {
    name: "a missing area",
    change: (d) => (delete d.config["hemma:app"], d),
    issues: [{ path: "hemma:app", received: "nothing (key is missing)", expected: "a mapping of keys" }],
  },
  {
    name: "a hostname with a space",
    change: (d) => ((withoutDns(d).config["hemma:domains"].grafana = "grafana hemma.hule.education"), d),
    issues: [
      {
        path: "hemma:domains.grafana",
        received: '"grafana hemma.hule.education"',
        expected: "a public hostname: two or more lower-case RFC 1123 labels joined by dots, no spaces",
      },
    ],
  },
  {
    name: "an SSH host with a space",
    change: (d) => ((d.config["hemma:ssh"].host = "hemma tail730aa2.ts.net"), d),
    issues: [
      {
        path: "hemma:ssh.host",
        received: '"hemma tail730aa2.ts.net"',
        expected: "a hostname (lower-case RFC 1123 labels) or an IPv4/IPv6 address",
      },
    ],
  },
  {
    name: "a hostname label starting with a hyphen",
    change: (d) => ((d.config["hemma:ssh"].host = "-hemma.example.org"), d),
    issues: [
      {
        path: "hemma:ssh.host",
        received: '"-hemma.example.org"',
        expected: "a hostname (lower-case RFC 1123 labels) or an IPv4/IPv6 address",
      },
    ],
  },
  {
    name: "an image reference with an upper-case repository",
    change: (d) => ((d.config["hemma:images"].nginxProxy = "nginxproxy/Nginx-Proxy:1.6"), d),
    issues: [
      {
        path: "hemma:images.nginxProxy",
        received: '"nginxproxy/Nginx-Proxy:1.6"',
        expected:
          "an image reference name:tag or name:tag@sha256:<64 hex> (lower-case repository, no spaces, non-empty tag)",
      },
    ],
  },
  {
    name: "an image reference with a space",
    change: (d) => ((d.config["hemma:images"].postgres = "postgres: 16-alpine"), d),
    issues: [
      {
        path: "hemma:images.postgres",
        received: '"postgres: 16-alpine"',
        expected:
          "an image reference name:tag or name:tag@sha256:<64 hex> (lower-case repository, no spaces, non-empty tag)",
      },
    ],
  },
  {
    name: "an image reference with an empty tag",
    change: (d) => ((d.config["hemma:images"].postgres = "postgres:"), d),
    issues: [
      {
        path: "hemma:images.postgres",
        received: '"postgres:"',
        expected:
          "an image reference name:tag or name:tag@sha256:<64 hex> (lower-case repository, no spaces, non-empty tag)",
      },
    ],
  },
  {
    name: "the latest tag",
    change: (d) => ((d.config["hemma:images"].acmeCompanion = "nginxproxy/acme-companion:latest"), d),
    issues: [
      {
        path: "hemma:images.acmeCompanion",
        received: '"nginxproxy/acme-companion:latest"',
        expected: "an explicit tag other than 'latest' (or a sha256 digest)",
      },
    ],
  },
  {
    name: "an untagged image (means latest)",
    change: (d) => ((d.config["hemma:images"].postgres = "postgres"), d),
    issues: [
      {
        path: "hemma:images.postgres",
        received: '"postgres"',
        expected: "an explicit tag (name:tag) or a sha256 digest; an untagged name means 'latest'",
      },
    ],
  },
  {
    name: "duplicate public hostnames name both key paths",
    change: (d) => ((withoutDns(d).config["hemma:domains"].jaeger = "grafana.hemma.hule.education"), d),
    issues: [
      {
        path: "hemma:domains.jaeger",
        received: '"grafana.hemma.hule.education"',
        expected:
          "a public hostname not already used at hemma:domains.grafana (each public name may appear once)",
      },
      {
        // The default basic-auth entry names jaeger.hemma.hule.education, no longer Jaeger's name.
        path: "hemma:observability.jaeger.route",
        received: "nothing (key is missing)",
        expected:
          "false, or a basic-auth entry for grafana.hemma.hule.education in hemma:edge.basicAuth (written by the edge layer: features.host and edge.manage.nginx true): jaeger would answer without authentication on a public name (docs/decisions/0100)",
      },
    ],
  },
  {
    name: "Loki published beyond loopback without saying it is meant",
    change: (d) => ((d.config["hemma:observability"].loki.publish = { address: "0.0.0.0", port: 3100 }), d),
    issues: [
      {
        path: "hemma:observability.loki.publish.address",
        received: '"0.0.0.0"',
        expected:
          "a loopback address (127.0.0.1 or ::1): loki answers without authentication and Docker-published ports bypass UFW; set publish.allowUnauthenticated: true to publish it anyway (docs/decisions/0100)",
      },
    ],
  },
  {
    name: "two services on one published host port",
    change: (d) => ((d.config["hemma:observability"].grafana.publish = { port: 9091 }), d),
    issues: [
      {
        path: "hemma:observability.grafana.publish.port",
        received: "9091",
        expected: "a host address and port not already published by prometheus",
      },
    ],
  },
  {
    name: "an anonymous Grafana on its public name without basic auth",
    change: (d) => ((d.config["hemma:observability"].grafana.anonymousViewer = true), d),
    issues: [
      {
        path: "hemma:observability.grafana.route",
        received: "nothing (key is missing)",
        expected:
          "false, or a basic-auth entry for grafana.hemma.hule.education in hemma:edge.basicAuth (written by the edge layer: features.host and edge.manage.nginx true): grafana would answer without authentication on a public name (docs/decisions/0100)",
      },
    ],
  },
  {
    name: "promtail without Loki",
    change: (d) => ((d.config["hemma:observability"].loki.enabled = false), d),
    issues: [
      {
        path: "hemma:observability.promtail.enabled",
        received: "nothing (key is missing)",
        expected: "false while observability.loki.enabled is false: promtail only pushes to Loki",
      },
    ],
  },
  {
    name: "tracing on while this stack runs no Jaeger",
    change: (d) => ((d.config["hemma:observability"].jaeger = { enabled: false }), d),
    issues: [
      {
        path: "hemma:app.env.otelTracingEnabled",
        received: "nothing (key is missing)",
        expected:
          "false while observability.jaeger.enabled is false: the app would export traces to http://jaeger:4317, which no container answers (spec §11 invariant 16, docs/decisions/0103)",
      },
    ],
  },
  {
    name: "tracing to somewhere else while Jaeger runs here",
    change: (d) => ((d.config["hemma:app"].env = { otelExporterOtlpEndpoint: "http://collector:4317" }), d),
    issues: [
      {
        path: "hemma:app.env.otelExporterOtlpEndpoint",
        received: '"http://collector:4317"',
        expected: "http://jaeger:4317, the Jaeger this stack runs (docs/decisions/0103)",
      },
    ],
  },
  {
    name: "proxy.defaultHost that is not a served name",
    change: (d) => ((withoutDns(d).config["hemma:proxy"].defaultHost = "example.org"), d),
    issues: [
      {
        path: "hemma:proxy.defaultHost",
        received: '"example.org"',
        expected:
          "one of the public hostnames: skriptoteket.hule.education, grafana.hemma.hule.education, prometheus.hemma.hule.education, jaeger.hemma.hule.education, hemma.hule.education",
      },
    ],
  },
  {
    name: "a plaintext secret, never printed",
    change: (d) => ((d.config["hemma:postgresAdminPassword"] = "hunter2"), d),
    issues: [
      {
        path: "hemma:postgresAdminPassword",
        received: "plaintext: a string (7 characters)",
        expected:
          "a secret: remove the plaintext and run `pulumi config set --secret --stack prod hemma:postgresAdminPassword`",
      },
    ],
  },
  {
    name: "a secure: value nested inside a structured key",
    change: (d) => ((d.config["hemma:ssh"].hostKey = { secure: "v1:abc" }), d),
    issues: [
      {
        path: "hemma:ssh.hostKey",
        received: "a secret (secure:) value inside a structured key",
        expected: "a plain value; secrets are flat top-level keys such as hemma:sshPrivateKey",
      },
    ],
  },
  {
    name: "a structured key stored as a secret",
    change: (d) => ((d.config["hemma:letsencrypt"] = { secure: "v1:abc" }), d),
    issues: [
      {
        path: "hemma:letsencrypt",
        received: "a secret value",
        expected: "a plain structured value (secrets are flat top-level keys listed in config/secrets.ts)",
      },
      { path: "hemma:letsencrypt", received: "nothing (key is missing)", expected: "a mapping of keys" },
    ],
  },
  {
    name: "a missing prod secret, by name",
    change: (d) => (delete d.config["hemma:emailSmtpPassword"], d),
    issues: [
      {
        path: "hemma:emailSmtpPassword",
        received: "nothing (secret not set)",
        expected:
          "a secret: SMTP password for outgoing mail (EMAIL_SMTP_PASSWORD); set it with `pulumi config set --secret --stack prod hemma:emailSmtpPassword`",
      },
    ],
  },
  {
    name: "a missing basic-auth hash secret in prod, by name",
    change: (d) => (delete d.config["hemma:prometheusBasicAuthHash"], d),
    issues: [
      {
        path: "hemma:prometheusBasicAuthHash",
        received: "nothing (secret not set)",
        expected:
          "a secret: password hash (apr1, bcrypt or SHA-crypt; never the password) of the Prometheus vhost's basic-auth user, e.g. from `openssl passwd -apr1`; set it with `pulumi config set --secret --stack prod hemma:prometheusBasicAuthHash`",
      },
    ],
  },
  {
    name: "a short commit sha",
    change: (d) => ((d.config["hemma:app"].commit = "a96e94b"), d),
    issues: [
      {
        path: "hemma:app.commit",
        received: '"a96e94b"',
        expected: "a full 40-character lower-case hex git commit sha (git rev-parse <ref>)",
      },
    ],
  },
  {
    name: "an upper-case commit sha",
    change: (d) => ((d.config["hemma:app"].commit = "A".repeat(40)), d),
    issues: [
      {
        path: "hemma:app.commit",
        received: `"${"A".repeat(40)}"`,
        expected: "a full 40-character lower-case hex git commit sha (git rev-parse <ref>)",
      },
    ],
  },
  {
    name: "a malformed host key",
    change: (d) => ((d.config["hemma:ssh"].hostKey = "ssh-ed25519 not-base64!"), d),
    issues: [
      {
        path: "hemma:ssh.hostKey",
        received: '"ssh-ed25519 not-base64!"',
        expected:
          "the host's pinned OpenSSH key line '<type> <base64>' such as 'ssh-ed25519 AAAAC3Nz...' (from `ssh-keyscan -t ed25519 <host>`, without the leading host name)",
      },
    ],
  },
  {
    name: "a Docker host URL of an unknown scheme",
    change: (d) => ((d.config["hemma:docker"].host = "http://hemma:2375"), d),
    issues: [
      {
        path: "hemma:docker.host",
        received: '"http://hemma:2375"',
        expected:
          "a Docker daemon URL: unix:///<absolute path>, ssh://<user>@<host>[:<port>] or tcp://<host>:<port>",
      },
    ],
  },
  {
    name: "a relative docker binary",
    change: (d) => ((d.config["hemma:docker"].binary = "docker"), d),
    issues: [
      {
        path: "hemma:docker.binary",
        received: '"docker"',
        expected:
          "an absolute path such as /usr/bin/docker (letters, digits, . _ - @ +; no spaces or trailing /)",
      },
    ],
  },
  {
    name: "an unquoted number as a log option",
    change: (d) => ((d.config["hemma:docker"].logOpts["max-file"] = 3), d),
    issues: [
      {
        path: "hemma:docker.logOpts.max-file",
        received: "3",
        expected: 'a string value (quote numbers: "3")',
      },
    ],
  },
  {
    name: "an unsafe SQL identifier",
    change: (d) => ((d.config["hemma:postgres"].databases[0].name = "skripto; DROP"), d),
    issues: [
      {
        path: "hemma:postgres.databases[0].name",
        received: '"skripto; DROP"',
        expected:
          "a safe SQL identifier: lower-case letters, digits and '_', starting with a letter or '_', at most 63",
      },
    ],
  },
  {
    name: "a database listed twice",
    change: (d) => (d.config["hemma:postgres"].databases.push({ name: "skriptoteket", owner: "other" }), d),
    issues: [
      {
        path: "hemma:postgres.databases[1].name",
        received: '"skriptoteket"',
        expected: "a database name not already used at hemma:postgres.databases[0].name",
      },
    ],
  },
  {
    name: "a repository URL with a space",
    change: (d) => ((d.config["hemma:app"].repoUrl = "https://github.com/paunchygent/skripto teket.git"), d),
    issues: [
      {
        path: "hemma:app.repoUrl",
        received: '"https://github.com/paunchygent/skripto teket.git"',
        expected:
          "a git URL: https://host/path, ssh://[user@]host/path, user@host:path, file:///path or /absolute/path (no spaces)",
      },
    ],
  },
  {
    name: "an unknown app.env key (typo of a documented setting)",
    change: (d) => ((d.config["hemma:app"].env = { emailSmtpHots: "smtp.example.org" }), d),
    issues: [
      {
        path: "hemma:app.env.emailSmtpHots",
        received: "a string (16 characters)",
        expected: expect.stringMatching(
          /^no key named 'emailSmtpHots' here \(did you mean 'emailSmtpHost'\?\); known keys: /,
        ),
      },
    ],
  },
];

describe("validateStackFile messages", () => {
  it("accepts the complete prod document the rows start from", () => {
    const result = validateStackFile(writeStackFile(completeProd()), "prod", { overridesFile: null });
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it.each(ROWS.map((row) => [row.name, row] as const))("%s", (_name, row) => {
    const file = writeStackFile(row.change(completeProd()));
    const result = validateStackFile(file, "prod", { overridesFile: null });
    const expected = row.issues.map((i) =>
      "path" in i && i.path.startsWith("<file>") ? { ...i, path: i.path.replace("<file>", file) } : i,
    );
    expect(result.issues).toEqual(expected);
    expect(result.ok).toBe(false);
    expect(result.config).toBeUndefined();
  });

  it("reports a missing file by its path", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hemma-config-")), "Pulumi.prod.yaml");
    expect(validateStackFile(file, "prod")).toEqual({
      ok: false,
      issues: [
        {
          path: file,
          received: "no such file",
          expected:
            "a readable Pulumi stack file (Pulumi.<stack>.yaml in the project directory, or pass --file <path>)",
        },
      ],
      pending: [],
      warnings: [],
    });
  });

  it("never prints a plaintext secret's value", () => {
    const doc = completeProd();
    doc.config["hemma:skriptoteketSecretKey"] = "very-secret-value-123";
    doc.config["hemma:sshPrivateKey"] =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n";
    const text = JSON.stringify(validateStackFile(writeStackFile(doc), "prod", { overridesFile: null }));
    expect(text).not.toContain("very-secret-value-123");
    expect(text).not.toContain("BEGIN OPENSSH");
    expect(text).toContain("hemma:skriptoteketSecretKey");
  });
});

describe("basic-auth hash secrets", () => {
  const withoutHashes = (): Doc => {
    const d = completeProd();
    delete d.config["hemma:jaegerBasicAuthHash"];
    delete d.config["hemma:prometheusBasicAuthHash"];
    return d;
  };
  const check = (d: Doc) => validateStackFile(writeStackFile(d), "prod", { overridesFile: null });

  it("prod with the default basic auth names both", () => {
    expect(check(withoutHashes()).issues.map((i) => i.path)).toEqual([
      "hemma:jaegerBasicAuthHash",
      "hemma:prometheusBasicAuthHash",
    ]);
  });

  // Routed Prometheus and Jaeger need basic auth (docs/decisions/0100); these stacks do not route them.
  const unrouted = (d: Doc, services: string[]): Doc => {
    for (const s of services) d.config["hemma:observability"][s].route = false;
    return d;
  };

  it("are not needed when basic auth is off or the edge does not manage nginx files", () => {
    const off = unrouted(withoutHashes(), ["jaeger", "prometheus"]);
    off.config["hemma:edge"].basicAuth = [];
    expect(check(off).issues).toEqual([]);
    const unmanaged = unrouted(withoutHashes(), ["jaeger", "prometheus"]);
    unmanaged.config["hemma:edge"].manage = { nginx: false };
    expect(check(unmanaged).issues).toEqual([]);
    const onlyJaeger = unrouted(withoutHashes(), ["prometheus"]);
    onlyJaeger.config["hemma:edge"].basicAuth = [
      { vhost: "jaeger.hemma.hule.education", user: "admin", hashSecret: "jaegerBasicAuthHash" },
    ];
    expect(check(onlyJaeger).issues.map((i) => i.path)).toEqual(["hemma:jaegerBasicAuthHash"]);
  });

  it("are still needed while the routes they protect exist: off means the route is an error", () => {
    const off = withoutHashes();
    off.config["hemma:edge"].basicAuth = [];
    expect(check(off).issues.map((i) => i.path)).toEqual([
      "hemma:observability.prometheus.route",
      "hemma:observability.jaeger.route",
    ]);
  });
});
