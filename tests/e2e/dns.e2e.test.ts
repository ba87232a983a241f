/**
 * The dns layer on the real engine: the `pulumi` CLI on the project directory, the dev stack's
 * committed config and secrets, the cloudflare plugin 6.17.0, against the local Cloudflare API
 * that `npm run sandbox -- up` starts for a sandbox of this file's own, and Debian's ddclient
 * inside that sandbox (docs/decisions/0093-0096). Only the dns layer runs (`HEMMA_SKIP_LAYERS`);
 * the docker-layer suite converges every layer together. "The dashboard" is the API used with
 * the dev stack's token, as a person would. Tests run in order.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { tokenId } from "../../sandbox/cloudflare-api/auth";
import { call, type Reply } from "../sandbox/cloudflare-api/api-client";
import { ROOT } from "./support/sandbox";
import { startProjectStack, type ProjectStack, type Ran } from "./support/project-stack";

const STACK = "dev";
const ZONE = "hemma.test";
const ZONE_ID = "ae14c8ea262d5510ada7cc4fc0f760f1";
const INITIAL_ADDRESS = "198.51.100.1";
const HOST_COMMENT = "managed by hemma-infra (Pulumi); address kept current by ddclient on the host";
const MANAGED_COMMENT = "managed by hemma-infra (Pulumi)";
const RECORDS = "urn:pulumi:dev::hemma::hemma:dns:HemmaDnsRecords$cloudflare:index/dnsRecord:DnsRecord";
const UNDECLARED =
  "urn:pulumi:dev::hemma::hemma:dns:HemmaDnsRecords$pulumi-nodejs:dynamic/dns:UndeclaredDnsRecords::dns-undeclared";

/** A record as the API returns it. */
interface ApiRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  proxied: boolean;
  ttl: number;
  comment?: string | null;
}

let s: ProjectStack;
let apiToken: string;
let ddnsToken: string;
/** Every line the CLI, `npm run drift` and ddclient printed during the suite (for the leak check). */
const printed: string[] = [];

function keep(r: Ran): Ran {
  printed.push(r.stdout, r.stderr);
  return r;
}

function pulumi(args: string[]): Ran {
  return keep(s.pulumi(args));
}

/** `pulumi up --refresh` as the README tells users; fails the test with the CLI's output otherwise. */
function up(extra: string[] = []): string {
  const r = pulumi(["up", "--stack", STACK, "--yes", "--refresh", "--skip-preview", ...extra]);
  if (r.code !== 0)
    throw new Error(`pulumi up failed (exit ${r.code}):\n${r.stdout.slice(-6000)}\n${r.stderr}`);
  return r.stdout;
}

/** `npm run drift -- dev`: exit code and the report's lines before the engine log. */
function drift(): { code: number; report: string[]; stdout: string } {
  const r = keep(s.drift());
  const report = r.stdout.split("\n--- pulumi preview")[0]!.split("\n").filter(Boolean);
  return { code: r.code, report, stdout: r.stdout };
}

/**
 * One request to the local API as "the dashboard" (the dev stack's token), on a connection of its
 * own: the CLI runs block this process for seconds, long enough for the server to close an idle
 * kept-alive one under a pooled client.
 */
async function api(
  method: string,
  pathAndQuery: string,
  body?: unknown,
): Promise<{ status: number; json: Reply["body"] }> {
  const r = await call(s.info.cloudflareApi!.url, method, pathAndQuery, {
    token: apiToken,
    headers: { connection: "close" },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: r.status, json: r.body };
}

/** The zone's records, sorted by name and type. */
async function records(): Promise<ApiRecord[]> {
  const r = await api("GET", `/zones/${ZONE_ID}/dns_records?per_page=1000`);
  expect(r.status).toBe(200);
  return (r.json.result as ApiRecord[]).sort(
    (a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type),
  );
}

async function record(name: string, type: string): Promise<ApiRecord> {
  const found = (await records()).filter((r) => r.name === name && r.type === type);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** The fields a record is declared with. */
function declared(r: ApiRecord): Omit<ApiRecord, "id"> {
  return {
    name: r.name,
    type: r.type,
    content: r.content,
    proxied: r.proxied,
    ttl: r.ttl,
    comment: r.comment,
  };
}

function cname(name: string): Omit<ApiRecord, "id"> {
  return { name, type: "CNAME", content: ZONE, proxied: false, ttl: 300, comment: MANAGED_COMMENT };
}

/** The sandbox's own address on its network: what ddclient reads from eth0. */
function sandboxAddress(): string {
  return s.shOk("ip -4 -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1");
}

/** The API's request log from byte `from` on. */
function apiLog(from = 0): string {
  return fs.readFileSync(s.info.cloudflareApi!.logFile, "utf8").slice(from);
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
}

/** Waits until ddclient has written the sandbox's address into the host record. */
async function hostRecordIsCurrent(): Promise<void> {
  const address = sandboxAddress();
  await until(`ddclient to set ${ZONE} A to ${address}`, 90_000, async () => {
    return (await record(ZONE, "A")).content === address;
  });
}

beforeAll(() => {
  s = startProjectStack("dns", { HEMMA_SKIP_LAYERS: "docker,host,edge,observability" });
  const secret = (key: string): string => {
    const r = s.pulumi(["config", "get", key, "--stack", STACK]);
    if (r.code !== 0) throw new Error(`pulumi config get ${key} failed:\n${r.stderr}`);
    return r.stdout.trim();
  };
  apiToken = secret("hemma:cloudflareApiToken");
  ddnsToken = secret("hemma:cloudflareDdnsToken");
}, 900_000);

afterAll(() => s?.remove());

test("1. `up` creates exactly the declared records: names, types, content, proxy mode, TTL, comments", async () => {
  expect(await records()).toEqual([]);
  const logStart = apiLog().length;
  const out = up();
  // The records and the rest of the layer, with the code provider of its dynamic resources (decision 0110).
  expect(out).toMatch(/Resources:\n\s+\+ 14 created/);
  // Exactly one create per declared record, each with the declared fields and nothing else.
  const posts = apiLog(logStart)
    .split("\n")
    .filter((l) => l.startsWith(`POST /client/v4/zones/${ZONE_ID}/dns_records `))
    .map((l) => JSON.parse(/ body=(\{.*\}) -> 200 caller=/.exec(l)![1]!) as Record<string, unknown>)
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const body = (r: Omit<ApiRecord, "id">) => ({ ...r, comment: r.comment });
  expect(posts).toEqual([
    body(cname(`grafana.${ZONE}`)),
    body({
      name: ZONE,
      type: "A",
      content: INITIAL_ADDRESS,
      proxied: false,
      ttl: 300,
      comment: HOST_COMMENT,
    }),
    body(cname(`jaeger.${ZONE}`)),
    body(cname(`prometheus.${ZONE}`)),
    body(cname(`skriptoteket.${ZONE}`)),
  ]);
  // The zone holds exactly those five; only the host's address may already be ddclient's.
  const zone = (await records()).map(declared);
  expect(zone.map((r) => (r.type === "A" ? { ...r, content: "(address)" } : r))).toEqual([
    cname(`grafana.${ZONE}`),
    { name: ZONE, type: "A", content: "(address)", proxied: false, ttl: 300, comment: HOST_COMMENT },
    cname(`jaeger.${ZONE}`),
    cname(`prometheus.${ZONE}`),
    cname(`skriptoteket.${ZONE}`),
  ]);
});

test("2. ddclient in the sandbox writes the host's own address into the A record, with the DDNS token", async () => {
  await hostRecordIsCurrent();
  const conf = s.shOk("stat -c '%a %U:%G' /etc/ddclient.conf && systemctl is-active ddclient.service");
  expect(conf.split("\n")).toEqual(["600 root:root", "active"]);
  // Its own token's id, never Pulumi's, and over HTTPS (the only listener ddclient can use).
  const patch = apiLog()
    .split("\n")
    .filter((l) => l.startsWith("PATCH "));
  expect(patch.length).toBeGreaterThan(0);
  expect(patch.every((l) => l.endsWith(`caller=${tokenId(ddnsToken)}`))).toBe(true);
  expect(patch[0]).toContain(`body={"content":"${sandboxAddress()}"}`);
});

test("3. a second refreshing preview changes nothing; the address ddclient wrote is not drift", () => {
  const r = pulumi(["preview", "--stack", STACK, "--refresh", "--expect-no-changes"]);
  expect([r.code, r.stderr]).toEqual([0, ""]);
  const d = drift();
  expect([d.code, d.report]).toEqual([0, ["drift: none"]]);
});

test("4. a record changed in the dashboard is drift that `npm run drift` reports and `up` repairs", async () => {
  const grafana = await record(`grafana.${ZONE}`, "CNAME");
  expect(
    (await api("PATCH", `/zones/${ZONE_ID}/dns_records/${grafana.id}`, { ttl: 600, comment: "by hand" }))
      .status,
  ).toBe(200);
  const d = drift();
  expect(d.code).toBe(2);
  expect(d.report).toEqual([
    "drift: 1 resource changed",
    `  update ${RECORDS}::dns-grafana: comment, commentModifiedOn, modifiedOn, ttl`,
  ]);
  up();
  expect(declared(await record(`grafana.${ZONE}`, "CNAME"))).toEqual(cname(`grafana.${ZONE}`));
  expect((await record(`grafana.${ZONE}`, "CNAME")).id).toBe(grafana.id);
  expect(drift().code).toBe(0);
});

test("5. a record deleted in the dashboard is drift, and `up` creates it again", async () => {
  const prometheus = await record(`prometheus.${ZONE}`, "CNAME");
  expect((await api("DELETE", `/zones/${ZONE_ID}/dns_records/${prometheus.id}`)).status).toBe(200);
  const d = drift();
  // The new record's id is not known yet, so the list of declared ids changes with it.
  expect([d.code, d.report]).toEqual([
    2,
    [
      "drift: 2 resources changed",
      `  create ${RECORDS}::dns-prometheus`,
      `  update ${UNDECLARED}: declaredIds`,
    ],
  ]);
  up();
  expect(declared(await record(`prometheus.${ZONE}`, "CNAME"))).toEqual(cname(`prometheus.${ZONE}`));
  expect(drift().code).toBe(0);
});

test("6. the host record deleted in the dashboard comes back, and ddclient writes the address into the new one at once", async () => {
  const host = await record(ZONE, "A");
  expect((await api("DELETE", `/zones/${ZONE_ID}/dns_records/${host.id}`)).status).toBe(200);
  const d = drift();
  expect(d.code).toBe(2);
  expect(d.report).toContain(`  create ${RECORDS}::dns-apex`);
  up();
  const again = await record(ZONE, "A");
  expect(again.id).not.toBe(host.id);
  // The new record starts at the placeholder; ddclient's cache still says "address already set",
  // so only the restart with an emptied cache (the record id in ddclient.conf changed) fixes it.
  await hostRecordIsCurrent();
  expect(drift().code).toBe(0);
});

test("7. the host's address changed in the dashboard is ddclient's to repair, not drift; `ddclient -force` (the runbook's command) does", async () => {
  const host = await record(ZONE, "A");
  expect(
    (await api("PATCH", `/zones/${ZONE_ID}/dns_records/${host.id}`, { content: "203.0.113.9" })).status,
  ).toBe(200);
  expect(drift()).toMatchObject({ code: 0, report: ["drift: none"] });
  const forced = keep(s.sh("ddclient -force"));
  expect(forced.code).toBe(0);
  expect(forced.stdout + forced.stderr).toContain(
    `SUCCESS:  updating ${ZONE}: IPv4 address set to ${sandboxAddress()}`,
  );
  expect((await record(ZONE, "A")).content).toBe(sandboxAddress());
});

test("8. a record nobody declared is left alone and reported: by drift once, with its name, and written down by `up`", async () => {
  const created = await api("POST", `/zones/${ZONE_ID}/dns_records`, {
    name: "mail",
    type: "TXT",
    content: "v=spf1 -all",
    ttl: 3600,
  });
  expect(created.status).toBe(200);
  const stray = created.json.result as ApiRecord;
  const d = drift();
  expect([d.code, d.report]).toEqual([
    2,
    ["drift: 1 resource changed", `  update ${UNDECLARED}: undeclared`],
  ]);
  // The detail below the summary says which record it is.
  expect(d.stdout).toMatch(
    /~ undeclared\s*: \[\s*\+ \[0\]: \{[^}]*name\s*: "mail\.hemma\.test"[^}]*type\s*: "TXT"/,
  );
  up();
  expect(await record(`mail.${ZONE}`, "TXT")).toEqual(stray);
  const known = JSON.parse(pulumi(["stack", "export", "--stack", STACK]).stdout) as {
    deployment: { resources: { urn: string; outputs?: { known?: unknown } }[] };
  };
  expect(known.deployment.resources.find((r) => r.urn === UNDECLARED)!.outputs!.known).toEqual([
    { id: stray.id, type: "TXT", name: `mail.${ZONE}`, content: "v=spf1 -all" },
  ]);
  expect(drift()).toMatchObject({ code: 0, report: ["drift: none"] });
  // Still there after another up: nothing ever deletes it.
  up();
  expect(await record(`mail.${ZONE}`, "TXT")).toEqual(stray);
});

test("9. removing a name from the config deletes exactly that record", async () => {
  const before = await records();
  const config = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, { records: Record<string, unknown> }>;
  };
  delete config.config["hemma:dns"]!.records[`jaeger.${ZONE}`];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-dns-config-"));
  const file = path.join(dir, "Pulumi.dev.yaml");
  fs.writeFileSync(file, stringify(config));
  try {
    const out = up(["--config-file", file]);
    expect(out).toMatch(/- 1 deleted/);
    // Every other record untouched, to the id and timestamp; ddclient 3.10 re-sends the host's
    // (unchanged) address every few minutes (docs/decisions/0094), so that one record's
    // modification time is the one field that may move.
    const untouched = (list: ApiRecord[]) =>
      list.map((r) => (r.type === "A" && r.name === ZONE ? { ...r, modified_on: "(ddclient's)" } : r));
    expect(untouched(await records())).toEqual(untouched(before.filter((r) => r.name !== `jaeger.${ZONE}`)));
    const again = pulumi([
      "preview",
      "--stack",
      STACK,
      "--refresh",
      "--expect-no-changes",
      "--config-file",
      file,
    ]);
    expect([again.code, again.stderr]).toEqual([0, ""]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Back to the committed config: the record is created again, and nothing is reported undeclared.
  up();
  expect((await records()).map(declared)).toEqual(before.map(declared));
  expect(drift()).toMatchObject({ code: 0, report: ["drift: none"] });
});

test("10. neither token appears in stored state, `pulumi stack export`, engine output, logs or process lists", () => {
  const needles = { apiToken, ddnsToken };
  const leaks = (haystack: string): string[] =>
    Object.entries(needles)
      .filter(([, v]) => haystack.includes(v))
      .map(([k]) => k);
  const readTree = (dir: string): string =>
    fs
      .readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8"))
      .join("\n");

  // The needles are right: the decrypted export has both, and the host's ddclient.conf its token.
  const decrypted = s.pulumi(["stack", "export", "--stack", STACK, "--show-secrets"]).stdout;
  expect(leaks(decrypted)).toEqual(["apiToken", "ddnsToken"]);
  expect(leaks(s.shOk("cat /etc/ddclient.conf"))).toEqual(["ddnsToken"]);

  const stored = readTree(s.stateDir);
  const exported = pulumi(["stack", "export", "--stack", STACK]).stdout;
  const sandboxFiles = readTree(path.dirname(s.overridesFile));
  const journal = s.shOk("journalctl --no-pager -o cat; cat /var/cache/ddclient/ddclient.cache");
  const here = spawnSync("ps", ["-eo", "args"], { encoding: "utf8" }).stdout;
  const inSandbox = s.shOk("ps -eo args");
  // The checks below only mean something if these hold what they should.
  expect(stored).toContain("dns-apex");
  expect(exported).toContain("ciphertext");
  expect(apiLog()).toContain("PATCH ");
  expect(journal).toContain(`updating ${ZONE}: IPv4 address set to`);
  expect(here).toContain("supervise.ts");
  expect({
    stored: leaks(stored),
    exported: leaks(exported),
    output: leaks(printed.join("\n")),
    apiLog: leaks(apiLog()),
    sandboxDir: leaks(sandboxFiles),
    journal: leaks(journal),
    processesHere: leaks(here),
    processesInSandbox: leaks(inSandbox),
  }).toEqual({
    stored: [],
    exported: [],
    output: [],
    apiLog: [],
    sandboxDir: [],
    journal: [],
    processesHere: [],
    processesInSandbox: [],
  });
});
