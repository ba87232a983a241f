/**
 * The drift run against the sandbox with the real engine: no drift after `up`, drift (code 2,
 * with the resource and its fields) after hand edits, an error (code 1) when the host is down.
 * Each check is read-only: the stored state must not change. Tests run in order on one stack;
 * the last one stops the sandbox and brings it back.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { detectDrift, DRIFT, DRIFT_ERROR, NO_DRIFT, type DriftResult } from "../../scripts/drift";
import type { SandboxInfo } from "../../scripts/sandbox-spec";
import { hostLayout, hostProgram } from "./support/host-program";
import { ensureSandbox, onHostOk, privateKey, ROOT } from "./support/sandbox";
import { testStack, type TestStack } from "./support/stack";
import { tsScriptArgs } from "../../scripts/ts-script";

const run = randomBytes(4).toString("hex");
const secret = `s3cret-${randomBytes(12).toString("hex")}`;
const l = hostLayout(run);

let info: SandboxInfo;
let t: TestStack;
let output: string[];

/** Runs the drift check and asserts that it left the stored state byte for byte as it was. */
async function drift(): Promise<DriftResult> {
  const before = t.storedState();
  output = [];
  const result = await detectDrift(t.stack, (o) => output.push(o));
  expect(t.storedState()).toBe(before);
  return result;
}

const urnOf = (name: string, type: string) => `urn:pulumi:${t.stack.name}::hemma::${type}::${name}`;

beforeAll(async () => {
  info = ensureSandbox();
  const connection: HostConnectionArgs = {
    host: info.host,
    port: info.port,
    user: info.user,
    hostKey: info.hostKey,
    privateKey: privateKey(info),
  };
  t = await testStack("e2e-drift", hostProgram(connection, run, secret));
  await t.stack.up({ onOutput: t.onOutput });
});

afterAll(async () => {
  // The stop test leaves a fresh sandbox (new container, new host key): nothing of this run is on it.
  t?.dispose();
});

test("1. no drift right after up: code 0, summary 'drift: none'", async () => {
  const result = await drift();
  expect(result).toEqual({ code: NO_DRIFT, summary: "drift: none" });
});

test("2. hand edits are drift: code 2, each drifted resource with the fields that differ", async () => {
  onHostOk(
    info,
    `printf 'greeting=edited by hand\\n' > ${l.appConf} && chmod 0640 ${l.tickScript} && systemctl disable --now ${l.webService}`,
  );
  const result = await drift();
  expect(result.code).toBe(DRIFT);
  if (result.code !== DRIFT) return;
  expect(result.summary).toBe("drift: 3 resources changed");
  const byUrn = Object.fromEntries(result.changes.map((c) => [c.urn, c]));
  const hostFile = "pulumi-nodejs:dynamic/host:HostFile";
  const unit = "pulumi-nodejs:dynamic/host:SystemdUnit";
  expect(Object.keys(byUrn).sort()).toEqual(
    [urnOf("app-conf", hostFile), urnOf("tick-script", hostFile), urnOf("web-service", unit)].sort(),
  );
  expect(byUrn[urnOf("app-conf", hostFile)]!.fields).toContain("digest");
  expect(byUrn[urnOf("tick-script", hostFile)]!.fields).toContain("mode");
  expect(byUrn[urnOf("web-service", unit)]!.fields).toEqual(expect.arrayContaining(["active", "enabled"]));
  for (const c of result.changes) expect(c.op).toBe("update");
  expect(output.join("")).not.toContain(secret);
});

test("3. the host down is an error, not drift: code 1 with the reason; the sandbox comes back", async () => {
  const stopped = spawnSync("docker", ["stop", "--time", "5", info.container], { encoding: "utf8" });
  expect(stopped.status).toBe(0);
  try {
    const result = await drift();
    expect(result.code).toBe(DRIFT_ERROR);
    expect(result.summary).toMatch(/^drift: error: .+/);
    expect(result.summary).toMatch(/ECONNREFUSED|connect|unreachable|timed out/i);
  } finally {
    ensureSandbox();
  }
  expect(onHostOk(ensureSandbox(), "echo up")).toBe("up");
});

test("4. npm run drift exits 1 with one summary line for a stack that does not exist", () => {
  const emptyBackend = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-drift-empty-"));
  const res = spawnSync(
    process.execPath,
    tsScriptArgs(path.join(ROOT, "scripts", "drift.ts"), [`missing-${run}`]),
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PULUMI_BACKEND_URL: `file://${emptyBackend}`, PULUMI_CONFIG_PASSPHRASE: "x" },
    },
  );
  expect(res.status).toBe(DRIFT_ERROR);
  expect(res.stdout.split("\n")[0]).toMatch(new RegExp(`^drift: error: .*missing-${run}`));
  fs.rmSync(emptyBackend, { recursive: true, force: true });
});
