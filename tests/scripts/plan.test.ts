import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { validateStackFile } from "../../config/load";
import { PROVIDER_CODE_KEY } from "../../providers/dynamic-resource";
import { tsScriptArgs } from "../../scripts/ts-script";
import { htpasswdHashScheme } from "../../render/edge/htpasswd";
import {
  formatPlan,
  parsePlanArgs,
  planEntries,
  RENDERED_ONLY,
  secretPlaceholder,
  SECRET_MARK,
  type PlannedResource,
} from "../../scripts/plan";

const run = promisify(execFile);
// Each plan is a fresh Node process (mocks take over the Pulumi runtime for good) of several seconds.
jest.setTimeout(180_000);
const ROOT = path.resolve(__dirname, "..", "..");

/** Runs `npm run plan` as a user would (a fresh process: mocks take over the Pulumi runtime). */
async function plan(
  stack: string,
  projectDir = ROOT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      tsScriptArgs(path.join(ROOT, "scripts", "plan.ts"), [stack, "--project-dir", projectDir]),
      {
        cwd: ROOT,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "hemma-dev-only" },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempProject(
  stack: string,
  edit: (text: string) => string,
  extra: Record<string, string> = {},
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-plan-"));
  tempDirs.push(dir);
  const text = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), edit(text));
  for (const [rel, content] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`expected exactly one ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

const KNOWN_SECRET = "KnownSecretValue_9f3a1c_must_never_print";

describe("npm run plan (the program under mocks, as a child process)", () => {
  // Overlapped: each run is a fresh Node process and takes seconds. The first two fill a cold
  // compile cache (runtime/ts-loader.js); the other two start after them and only read it.
  const changedProject = tempProject(
    "prod",
    (t) =>
      `${replaceOnce(t, "grafana.hemma.hule.education: { proxied: false, ttl: 300 }", "grafana.hemma.hule.education: { proxied: false, ttl: 120 }")}  hemma:cloudflareApiToken: ${KNOWN_SECRET}\n`,
  );
  const devProject = tempProject("dev", (t) => t, {
    ".sandbox/dev-overrides.yaml": `config:\n  hemma:sshPrivateKey: ${KNOWN_SECRET}\n`,
  });
  const first = plan("prod");
  const runs = Promise.all([
    first,
    // The same input again, in a process of its own.
    plan("prod"),
    // One changed value, plus a plaintext secret in the stack file: only the value may show.
    first.then(() => plan("prod", changedProject)),
    first.then(() => plan("dev", devProject)),
  ]);

  it("prints the same bytes for the same input", async () => {
    const [a, b] = await runs;
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout.length).toBeGreaterThan(1000);
    expect(b.stdout).toBe(a.stdout);
  });

  it("lists prod's DNS records and ddclient.conf, with secrets and unset values masked", async () => {
    const [a] = await runs;
    expect(a.stdout.split("\n").slice(0, 3)).toEqual([
      "# hemma plan of stack prod: offline (Pulumi mocks, committed Pulumi.prod.yaml).",
      "# [secret] stands for a secret, [unset] for a value the committed file does not hold.",
      "# unset: hemma:ssh.hostKey, hemma:letsencrypt.email, hemma:dns.zoneId",
    ]);
    expect(a.stdout).toContain(
      [
        "== cloudflare:index/dnsRecord:DnsRecord dns-grafana-hemma",
        "urn: urn:pulumi:prod::hemma::hemma:dns:HemmaDnsRecords$cloudflare:index/dnsRecord:DnsRecord::dns-grafana-hemma",
        "options:",
        "  dependsOn: urn:pulumi:prod::hemma::hemma:dns:HemmaDnsRecords$cloudflare:index/dnsRecord:DnsRecord::dns-hemma",
        "inputs:",
        '  comment: "managed by hemma-infra (Pulumi)"',
        '  content: "hemma.hule.education"',
        '  name: "grafana.hemma.hule.education"',
        "  proxied: false",
        "  ttl: 300",
        '  type: "CNAME"',
        '  zoneId: "[unset]"',
      ].join("\n"),
    );
    expect(a.stdout).toContain("password='[secret]'\nhemma.hule.education\n-----");
    // Complete even through a pipe: as many sections as the header counts, and the last one closed.
    const [, resources, files] = /^# (\d+) resources, (\d+) host files$/m.exec(a.stdout)!;
    expect(a.stdout.match(/^== (?!file )/gm)).toHaveLength(Number(resources));
    expect(a.stdout.match(/^== file /gm)).toHaveLength(Number(files));
    expect(a.stdout).toMatch(/\n-----( \(no newline at end of file\))?\n$/);
    expect(a.stdout).not.toMatch(/plansecret|plan\.invalid|apr1/);
  });

  it("changes exactly where the config changed", async () => {
    const [a, , changed] = await runs;
    expect(changed.code).toBe(0);
    const before = a.stdout.split("\n");
    const after = changed.stdout.split("\n");
    expect(after.length).toBe(before.length);
    const differing = before.map((line, i) => [line, after[i]]).filter(([x, y]) => x !== y);
    expect(differing).toEqual([["  ttl: 300", "  ttl: 120"]]);
  });

  it("never prints a secret value, from the stack file or from an overrides file", async () => {
    const [, , prodWithSecret, devWithOverride] = await runs;
    expect(prodWithSecret.code).toBe(0);
    expect(devWithOverride.code).toBe(0);
    for (const out of [prodWithSecret, devWithOverride]) {
      expect(out.stdout).not.toContain(KNOWN_SECRET);
      expect(out.stderr).not.toContain(KNOWN_SECRET);
    }
    // dev's committed secrets are encrypted with a known passphrase; plan never decrypts them.
    const ciphertexts = [
      ...fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").matchAll(/secure: (\S+)/g),
    ].map((m) => m[1]!);
    expect(ciphertexts.length).toBeGreaterThan(0);
    for (const c of ciphertexts) expect(devWithOverride.stdout).not.toContain(c);
  });

  it("plans dev's DNS on the sandbox's local API, whose addresses are left unset", async () => {
    const [, , , dev] = await runs;
    expect(dev.stdout).toContain(
      "# unset: hemma:ssh.hostKey, hemma:dns.apiBaseUrl, hemma:dns.ddclient.server, hemma:dns.ddclient.caFile\n",
    );
    expect(dev.stdout).toContain("== cloudflare:index/dnsRecord:DnsRecord dns-apex\n");
    expect(dev.stdout).toMatch(
      /== pulumi:providers:cloudflare cloudflare\n(?:.*\n)*? {2}baseUrl: "\[unset\]"\n/,
    );
    expect(dev.stdout).toContain("server=[unset]\nssl_ca_file=[unset]\nzone=hemma.test\n");
  });
});

describe("a vhost without a record", () => {
  const broken = tempProject("prod", (t) =>
    replaceOnce(t, "      jaeger.hemma.hule.education: { proxied: false, ttl: 300 }\n", ""),
  );

  it("is a validate error", () => {
    const result = validateStackFile(path.join(broken, "Pulumi.prod.yaml"), "prod");
    expect(result.issues).toContainEqual({
      path: "hemma:dns.records",
      received:
        "a mapping with keys skriptoteket.hule.education, grafana.hemma.hule.education, prometheus.hemma.hule.education",
      expected:
        "a record for domains.jaeger (jaeger.hemma.hule.education): every vhost this stack serves needs its DNS name",
    });
  });

  it("makes plan exit 1 with the same message", async () => {
    const result = await plan("prod", broken);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("plan: the config of stack 'prod' is invalid:");
    expect(result.stderr).toContain(
      "  hemma:dns.records: got a mapping with keys skriptoteket.hule.education, grafana.hemma.hule.education, prometheus.hemma.hule.education; expected a record for domains.jaeger (jaeger.hemma.hule.education): every vhost this stack serves needs its DNS name",
    );
  });
});

describe("plan arguments", () => {
  it.each([
    [["prod"], { stack: "prod", projectDir: "/p" }],
    [["dev", "--project-dir", "/x"], { stack: "dev", projectDir: "/x" }],
  ])("%p", (argv, expected) => {
    expect(parsePlanArgs(argv, "/p")).toEqual(expected);
  });

  it.each([[[]], [["a", "b"]], [["--bogus"]], [["bad name"]]])("rejects %p with usage", (argv) => {
    const parsed = parsePlanArgs(argv, "/p");
    expect(parsed).toEqual({ usage: expect.stringContaining("usage: npm run plan -- <stack>"), help: false });
  });
});

describe("planEntries", () => {
  it("drops committed secrets, fills only missing operator values, and adds one placeholder per secret", () => {
    const { entries, unset } = planEntries(
      [
        {
          key: "hemma:ssh",
          value: { host: "h", hostKey: "ssh-ed25519 AAAA" },
          secure: false,
          origin: "stack",
        },
        { key: "hemma:letsencrypt", value: { staging: false }, secure: false, origin: "stack" },
        { key: "hemma:sshPrivateKey", value: "v1:cipher", secure: true, origin: "stack" },
      ],
      [
        { path: "hemma:ssh.hostKey", value: "FILL1" },
        { path: "hemma:letsencrypt.email", value: "FILL2" },
        { path: "hemma:dns.zoneId", value: "FILL3" },
      ],
    );
    expect(unset).toEqual(["hemma:letsencrypt.email"]);
    expect(entries.find((e) => e.key === "hemma:ssh")!.value).toEqual({
      host: "h",
      hostKey: "ssh-ed25519 AAAA",
    });
    expect(entries.find((e) => e.key === "hemma:letsencrypt")!.value).toEqual({
      staging: false,
      email: "FILL2",
    });
    expect(entries.find((e) => e.key === "hemma:sshPrivateKey")).toEqual({
      key: "hemma:sshPrivateKey",
      value: secretPlaceholder("sshPrivateKey"),
      secure: false,
      origin: "overrides",
    });
    expect(entries.some((e) => e.value === "v1:cipher")).toBe(false);
  });

  it("fills a value limited to some stacks only for those (dev's local API, never prod's)", () => {
    const dns = [{ key: "hemma:dns", value: { zone: "z" }, secure: false, origin: "stack" as const }];
    const fills = [{ path: "hemma:dns.apiBaseUrl", value: "FILL", stacks: ["dev"] }];
    expect(planEntries(dns, fills, "dev").unset).toEqual(["hemma:dns.apiBaseUrl"]);
    expect(planEntries(dns, fills, "prod").unset).toEqual([]);
    expect(planEntries(dns, fills).unset).toEqual([]);
  });

  it("gives hash secrets a hash nginx accepts and tokens token characters", () => {
    expect(htpasswdHashScheme(secretPlaceholder("jaegerBasicAuthHash"))).toBe("apr1");
    expect(secretPlaceholder("cloudflareDdnsToken")).toMatch(/^[A-Za-z0-9_-]{20,200}$/);
    expect(secretPlaceholder("a")).not.toBe(secretPlaceholder("b"));
  });
});

describe("formatPlan", () => {
  const resource = (over: Partial<PlannedResource>): PlannedResource => ({
    type: "t:index:T",
    name: "n",
    urn: "urn:pulumi:s::hemma::t:index:T::n",
    custom: true,
    inputs: {},
    secretPaths: [],
    options: {
      protect: false,
      retainOnDelete: false,
      deleteBeforeReplace: false,
      ignoreChanges: [],
      replaceOnChanges: [],
      dependencies: [],
    },
    ...over,
  });

  it("orders by URN, sorts keys, prints blocks and masks placeholders, whatever the input order", () => {
    const a = resource({
      name: "a",
      urn: "urn:pulumi:s::hemma::t:index:T::a",
      inputs: { z: 1, a: { y: ["SECRETVALUE", "x\ny\n"], b: true } },
      secretPaths: ["a.y[0]"],
      options: {
        protect: true,
        retainOnDelete: true,
        deleteBeforeReplace: false,
        ignoreChanges: ["z", "a"],
        replaceOnChanges: [],
        dependencies: [],
      },
    });
    const b = resource({ name: "b", urn: "urn:pulumi:s::hemma::t:index:T::b", inputs: { k: "v" } });
    const marks = new Map([["SECRETVALUE", SECRET_MARK]]);
    const text = formatPlan({ stack: "s", unset: [] }, [b, a], marks);
    expect(formatPlan({ stack: "s", unset: [] }, [a, b], marks)).toBe(text);
    expect(text).toBe(
      [
        "# hemma plan of stack s: offline (Pulumi mocks, committed Pulumi.s.yaml).",
        "# [secret] stands for a secret, [unset] for a value the committed file does not hold.",
        "# unset: none",
        "# 2 resources, 0 host files",
        "",
        "== t:index:T a",
        "urn: urn:pulumi:s::hemma::t:index:T::a",
        "options:",
        "  protect: true",
        "  retainOnDelete: true",
        "  ignoreChanges: a, z",
        "inputs:",
        "  a:",
        "    b: true",
        "    y:",
        '      [0]: "[secret]"',
        "      [1]: |",
        "        x",
        "        y",
        "  z: 1",
        "secret inputs: a.y[0]",
        "",
        "== t:index:T b",
        "urn: urn:pulumi:s::hemma::t:index:T::b",
        "inputs:",
        '  k: "v"',
        "",
      ].join("\n"),
    );
  });

  it("adds rendered files no resource places, and lets a resource's content win at the same path", () => {
    const placed = resource({
      type: "pulumi-nodejs:dynamic/host:HostFile",
      urn: "urn:f",
      inputs: { path: "/etc/b.conf", content: "from resource\n", mode: "0600", owner: "root", group: "root" },
    });
    const rendered = [
      { path: "/etc/b.conf", content: "from renderer\n", mode: "0644", kind: "config" as const },
      {
        path: "/etc/a.timer",
        content: "[Timer]\n",
        mode: "0644",
        owner: "root",
        group: "root",
        kind: "unit" as const,
      },
    ];
    const text = formatPlan({ stack: "s", unset: [] }, [placed], new Map(), rendered);
    expect(text).toContain("# 1 resources, 2 host files\n");
    expect(text).toContain(
      `== file /etc/a.timer (0644 root:root)\nplaced by: ${RENDERED_ONLY}\n-----\n[Timer]\n-----\n`,
    );
    expect(text).toContain(
      "== file /etc/b.conf (0600 root:root)\nplaced by: urn:f\n-----\nfrom resource\n-----\n",
    );
    expect(text).not.toContain("from renderer");
    expect(text.indexOf("/etc/a.timer")).toBeLessThan(text.indexOf("== file /etc/b.conf"));
  });

  it("prints the code provider's provider code as a mark per type", () => {
    const code = resource({
      type: "pulumi:providers:pulumi-nodejs",
      name: "hemma-provider-code",
      urn: "urn:p",
      inputs: {
        [PROVIDER_CODE_KEY]: { "pulumi-nodejs:dynamic/host:HostFile": "exports.handler = () => 1;" },
      },
    });
    const text = formatPlan({ stack: "s", unset: [] }, [code], new Map());
    expect(text).toContain(
      `inputs:\n  ${PROVIDER_CODE_KEY}:\n    pulumi-nodejs:dynamic/host:HostFile: "[dynamic provider code]"\n`,
    );
    expect(text).not.toContain("exports.handler");
  });

  it("lists host files under files, by path, with mode and owner", () => {
    const file = resource({
      type: "pulumi-nodejs:dynamic/host:HostFile",
      name: "f",
      urn: "urn:f",
      inputs: {
        __provider: "function(){...}",
        path: "/etc/x.conf",
        content: "a=1\nb=TOKEN",
        mode: "0600",
        owner: "root",
        group: "adm",
      },
    });
    const text = formatPlan({ stack: "s", unset: [] }, [file], new Map([["TOKEN", SECRET_MARK]]));
    expect(text).toContain('  __provider: "[dynamic provider code]"\n  content: "[listed under files]"\n');
    expect(
      text.endsWith(
        "== file /etc/x.conf (0600 root:adm)\nplaced by: urn:f\n-----\na=1\nb=[secret]\n----- (no newline at end of file)\n",
      ),
    ).toBe(true);
  });
});
