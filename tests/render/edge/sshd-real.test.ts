/** The sshd drop-in and its pre-swap validation, checked by the real sshd (`sshd -t`, `sshd -T`). */
import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import {
  renderSshdHardening,
  sshdValidateCommand,
  sshdValidateScript,
  type SshdValidateArgs,
} from "../../../render/edge/sshd-hardening";

let dir: string;
let etc: string;
let args: SshdValidateArgs;
const sshd = "/usr/sbin/sshd";

/** A copy of Debian's sshd_config whose drop-in Include points into the temp tree. */
function writeMainConfig(withInclude = true): void {
  const debian = readFileSync("/etc/ssh/sshd_config", "utf8");
  expect(debian).toMatch(/^Include \/etc\/ssh\/sshd_config\.d\/\*\.conf$/m);
  const main = debian.replace(
    /^Include \/etc\/ssh\/sshd_config\.d\/\*\.conf$/m,
    withInclude ? `Include ${etc}/sshd_config.d/*.conf` : "",
  );
  writeFileSync(join(etc, "sshd_config"), `${main}\nHostKey ${etc}/ssh_host_ed25519_key\n`);
}

function validate(candidate: string): { status: number | null; stderr: string } {
  const path = join(dir, "candidate.conf");
  writeFileSync(path, candidate);
  const r = spawnSync("sh", ["-c", sshdValidateScript(args), "hemma-sshd-validate", path], {
    encoding: "utf8",
    env: { ...process.env, TMPDIR: join(dir, "scratch") },
  });
  return { status: r.status, stderr: r.stderr };
}

beforeAll(() => {
  // sshd -t refuses to run without its privilege-separation directory, which only ssh.service
  // creates; a fresh CI machine has not started it.
  if (!existsSync("/run/sshd")) mkdirSync("/run/sshd", { mode: 0o755 });
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hemma-edge-sshd-"));
  etc = join(dir, "etc/ssh");
  mkdirSync(join(etc, "sshd_config.d"), { recursive: true });
  mkdirSync(join(dir, "scratch"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(etc, "ssh_host_ed25519_key")]);
  writeMainConfig();
  args = {
    allowUsers: ["root", "paunchygent"],
    permitRootLogin: "prohibit-password",
    maxSessions: 32,
    dropInPath: join(etc, "sshd_config.d/99-hardening.conf"),
    sshd,
  };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("the drop-in holds exactly the directives of spec §7.1, and MaxSessions for the docker provider's shared connection", () => {
  expect(renderSshdHardening(args)).toBe(
    [
      "# Managed by hemma-infra (render/edge/sshd-hardening.ts); local edits are reverted.",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      "PermitRootLogin prohibit-password",
      "AllowUsers root paunchygent",
      "MaxSessions 32",
      "",
    ].join("\n"),
  );
});

test("sshd -t accepts the full config with the drop-in in place, and sshd -T shows its values", () => {
  writeFileSync(args.dropInPath, renderSshdHardening(args));
  const t = spawnSync(sshd, ["-t", "-f", join(etc, "sshd_config")], { encoding: "utf8" });
  expect(t.stderr).toBe("");
  expect(t.status).toBe(0);
  const effective = execFileSync(sshd, ["-T", "-f", join(etc, "sshd_config")], { encoding: "utf8" }).split(
    "\n",
  );
  expect(effective).toEqual(
    expect.arrayContaining([
      "passwordauthentication no",
      "kbdinteractiveauthentication no",
      "pubkeyauthentication yes",
      "allowusers root",
      "allowusers paunchygent",
      "maxsessions 32",
    ]),
  );
});

test("the pre-swap validation passes the rendered drop-in and leaves no temp files", () => {
  expect(validate(renderSshdHardening(args))).toEqual({ status: 0, stderr: "" });
  expect(readdirSync(join(dir, "scratch"))).toEqual([]);
});

test("the HostFile validate command runs the same check with {} as the staged file", () => {
  const path = join(dir, "staged");
  writeFileSync(path, renderSshdHardening(args));
  const cmd = sshdValidateCommand(args).replace("{}", path);
  expect(spawnSync("sh", ["-c", cmd]).status).toBe(0);
  writeFileSync(path, "PermitRootLogn yes\n");
  expect(spawnSync("sh", ["-c", cmd]).status).toBe(1);
});

test.each([
  ["a misspelt keyword", "PermitRootLogn no\n"],
  ["a bad value", "PasswordAuthentication maybe\n"],
  ["AllowUsers without users", "AllowUsers\n"],
])("a broken drop-in (%s) is rejected by sshd -t", (_label, broken) => {
  const r = validate(broken);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("hemma: sshd -t rejects the config with the new 99-hardening.conf");
});

test("an earlier drop-in that wins over the hardening (cloud-init's PasswordAuthentication yes) is rejected", () => {
  writeFileSync(join(etc, "sshd_config.d/50-cloud-init.conf"), "PasswordAuthentication yes\n");
  const r = validate(renderSshdHardening(args));
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(
    "with the new 99-hardening.conf sshd would use 'passwordauthentication yes' instead of 'passwordauthentication no'",
  );
});

test("a candidate that drops a user the program needs is caught by the effective check", () => {
  // The candidate is valid sshd syntax but not the rendered hardening: AllowUsers lacks paunchygent.
  const r = validate(renderSshdHardening({ ...args, allowUsers: ["root"] }));
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("instead of 'allowusers paunchygent'");
});

test("a main config without the sshd_config.d Include is rejected: the drop-in would do nothing", () => {
  writeMainConfig(false);
  const r = validate(renderSshdHardening(args));
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("has no 'Include");
});
