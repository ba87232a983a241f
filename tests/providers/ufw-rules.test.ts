/**
 * The UfwRules provider's scripts, run locally with bash against the real ufw on a private root
 * (a PATH shim adds --rootdir/--datadir, so the machine's firewall is never touched).
 */
import { execFileSync, spawnSync } from "child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "fs";
import { tmpdir } from "os";
import { join } from "path";
import {
  applyUfwScript,
  diffUfw,
  parseUfwState,
  readUfwScript,
  UFW_PROBE_COMMAND,
  ufwProbeExpected,
  type UfwOutputs,
} from "../../providers/ufw-rules";
import { probeDigest, probeScript } from "../../providers/revert-guard";
import { renderUfwRules } from "../../render/edge/ufw-rules";
import { edgeSchema } from "../../config/schema/edge";

const desired = renderUfwRules({ ...edgeSchema.parse({}).firewall, denyFrom: ["206.189.22.108"] });
let root: string;
let bin: string;
const machineRules = () =>
  ["/etc/ufw/user.rules", "/etc/ufw/user6.rules", "/etc/default/ufw"].map((f) => readFileSync(f, "utf8"));
let before: string[];

beforeAll(() => (before = machineRules()));
afterAll(() => expect(machineRules()).toEqual(before));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "hemma-ufw-provider-"));
  for (const d of ["etc/default", "usr/share", "lib", "bin"]) mkdirSync(join(root, d), { recursive: true });
  cpSync("/etc/ufw", join(root, "etc/ufw"), { recursive: true });
  cpSync("/lib/ufw", join(root, "lib/ufw"), { recursive: true });
  if (existsSync("/usr/share/ufw"))
    cpSync("/usr/share/ufw", join(root, "usr/share/ufw"), { recursive: true });
  // A host as first found: no user rules, incoming accepted, UFW disabled (so ufw only edits files).
  writeFileSync(
    join(root, "etc/default/ufw"),
    readFileSync("/etc/default/ufw", "utf8").replace(
      /^DEFAULT_INPUT_POLICY=.*$/m,
      'DEFAULT_INPUT_POLICY="ACCEPT"',
    ),
  );
  writeFileSync(join(root, "etc/ufw/ufw.conf"), "ENABLED=no\nLOGLEVEL=low\n");
  bin = join(root, "bin");
  writeFileSync(join(bin, "ufw"), `#!/bin/sh\nexec /usr/sbin/ufw --rootdir=${root} --datadir=${root} "$@"\n`);
  chmodSync(join(bin, "ufw"), 0o755);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function bash(script: string): string {
  const r = spawnSync("bash", ["-c", script], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  if (r.status !== 0) throw new Error(`script failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
const readLive = () => parseUfwState(bash(readUfwScript(join(root, "etc"))));

test("read reports a fresh host: no rules, ACCEPT, disabled", () => {
  expect(readLive()).toEqual({ rules: [], defaultInputPolicy: "ACCEPT", enabled: false });
});

test("the apply script sets deny incoming, adds the rules in order and enables ufw", () => {
  const script = applyUfwScript(readLive(), desired);
  expect(script.split("\n")).toEqual([
    "set -euo pipefail",
    "ufw default deny incoming >/dev/null",
    "ufw 'deny' 'from' '206.189.22.108' >/dev/null",
    "ufw 'allow' '80/tcp' >/dev/null",
    "ufw 'allow' '443/tcp' >/dev/null",
    "ufw 'allow' 'in' 'on' 'tailscale0' 'to' 'any' 'port' '22' 'proto' 'tcp' >/dev/null",
    "ufw 'allow' 'from' '192.168.0.0/24' 'to' 'any' 'port' '22' 'proto' 'tcp' >/dev/null",
    "ufw 'allow' 'from' '172.16.0.0/12' 'to' 'any' 'port' '8082' 'proto' 'tcp' 'comment' 'LLM server for Docker' >/dev/null",
    "ufw --force enable >/dev/null",
  ]);
});

test("applied (without the enable step, which would load rules into this machine's kernel), read shows exactly the desired state", () => {
  const script = applyUfwScript({ ...readLive(), enabled: true }, desired);
  expect(script).not.toContain("enable");
  bash(script);
  expect(readLive()).toEqual({ rules: desired, defaultInputPolicy: "DROP", enabled: false });
});

test("a rule added by hand is drift: diff names it, and the apply script removes it", () => {
  bash(applyUfwScript({ ...readLive(), enabled: true }, desired));
  execFileSync(join(bin, "ufw"), ["allow", "3306/tcp"], { stdio: "ignore" });
  const live = readLive();
  const olds: UfwOutputs = { connection: undefined as never, ...live, enabled: true };
  expect(diffUfw(olds, { connection: undefined as never, rules: desired })).toEqual({
    changes: true,
    detail: ["not declared: allow 3306/tcp"],
  });
  bash(applyUfwScript({ ...live, enabled: true }, desired));
  expect(readLive().rules).toEqual(desired);
});

test("diff reports a disabled firewall and a wrong default policy", () => {
  const olds: UfwOutputs = {
    connection: undefined as never,
    rules: desired,
    defaultInputPolicy: "ACCEPT",
    enabled: false,
  };
  expect(diffUfw(olds, { connection: undefined as never, rules: desired }).detail).toEqual([
    "default incoming policy is ACCEPT",
    "ufw is disabled",
  ]);
  expect(
    diffUfw(
      { ...olds, defaultInputPolicy: "DROP", enabled: true },
      { connection: undefined as never, rules: desired },
    ).changes,
  ).toBe(false);
});

test("the firewall guard's probe prints exactly what ufwProbeExpected predicts once the rules are applied", () => {
  bash(applyUfwScript({ ...readLive(), enabled: true }, desired));
  // The probe reads /etc; point it at the private root. (UFW stays disabled here, see above.)
  const probe = UFW_PROBE_COMMAND.replace(/\/etc\//g, `${root}/etc/`);
  expect(bash(probe).trimEnd()).toBe(ufwProbeExpected(desired).replace("enabled=yes", "enabled=no"));
  const printed = bash(probeScript(probe)).trim();
  expect(printed).toBe(
    `digest=${probeDigest(ufwProbeExpected(desired).replace("enabled=yes", "enabled=no"))}`,
  );
});
