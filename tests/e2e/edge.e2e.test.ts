/**
 * The sshd hardening and its lockout guard, with the real engine, against a sandbox container of
 * this file's own (same image as `npm run sandbox`, its own name and port): a lockout test must
 * not cut off other suites that share the default sandbox. Tests run in order and share one stack.
 *
 * UFW and fail2ban, and the guard against them, are enforced through the dev stack in
 * tests/e2e/firewall.e2e.test.ts.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import type { EngineEvent, PulumiFn } from "@pulumi/pulumi/automation";
import { SshdHardening } from "../../components/edge/sshd-hardening";
import { HostFile } from "../../providers/host-file";
import { BACKUP_ROOT } from "../../providers/remote-file";
import { movedFiles } from "../../scripts/moved-files";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { renderSshdHardening, sshdValidateCommand } from "../../render/edge/sshd-hardening";
import { sshArgs, type SandboxInfo } from "../../scripts/sandbox-spec";
import { startPrivateSandbox, type PrivateSandbox } from "./support/private-sandbox";
import { failureOf, testStack, type TestStack } from "./support/stack";

const DROP_IN = "/etc/ssh/sshd_config.d/99-hardening.conf";
const BROKEN = "/etc/ssh/sshd_config.d/98-hemma-e2e.conf";
const TIMEOUT = 20;
/** The stack, the hardening component, its resources and the code provider of the dynamic ones. */
const RESOURCES = 6;
const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

let info: SandboxInfo;
let connection: HostConnectionArgs;
let t: TestStack;
let box: PrivateSandbox;

/** Root shell on the private sandbox over plain OpenSSH (independent of the code under test). */
function onHost(script: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("ssh", [...sshArgs(info), "sudo", "-n", "bash", "-s"], {
    input: script,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout.trim(), stderr: r.stderr };
}

interface Variant {
  readonly allowUsers?: string[];
  readonly permitRootLogin?: "no" | "prohibit-password";
  readonly brokenDropIn?: string;
}

function program(v: Variant = {}): PulumiFn {
  return async () => {
    new SshdHardening("sshd", {
      connection,
      dropInPath: DROP_IN,
      allowUsers: v.allowUsers ?? ["root", info.user],
      // The sandbox's 10-sandbox.conf sets `no` first; sshd keeps the first value.
      permitRootLogin: v.permitRootLogin ?? "no",
      revertTimeoutSeconds: TIMEOUT,
    });
    if (v.brokenDropIn !== undefined) {
      new HostFile("broken", {
        connection,
        path: BROKEN,
        content: v.brokenDropIn,
        validate: sshdValidateCommand({ dropInPath: BROKEN, allowUsers: ["root"], permitRootLogin: "no" }),
      });
    }
  };
}

const good = (): string => renderSshdHardening({ allowUsers: ["root", info.user], permitRootLogin: "no" });
const liveDropIn = (): string =>
  box.inContainer(`if [ -f ${DROP_IN} ]; then sha256sum ${DROP_IN} | cut -d" " -f1; else echo absent; fi`);
const armed = (): string =>
  box.inContainer(
    "systemctl list-timers --all --no-legend 'hemma-revert-*' | wc -l; ls /var/lib/hemma/revert 2>/dev/null | wc -l",
  );

beforeAll(async () => {
  box = await startPrivateSandbox("edge");
  info = box.info;
  connection = box.connection;
  t = await testStack("e2e-edge", program());
});

afterAll(async () => {
  t?.dispose();
  box?.remove();
});

test("1. up applies the hardening, proves access with a fresh login, disarms, and changes nothing the second time", async () => {
  expect(liveDropIn()).toBe("absent");
  const up = await t.stack.up({ onOutput: t.onOutput });
  expect(up.summary.result).toBe("succeeded");
  expect(up.summary.resourceChanges).toEqual({ create: RESOURCES });
  expect(liveDropIn()).toBe(sha256(good()));
  // sshd runs with it: the effective config of the running daemon holds the values.
  const effective = onHost("sshd -T").stdout.split("\n");
  expect(effective).toEqual(
    expect.arrayContaining([
      "passwordauthentication no",
      "kbdinteractiveauthentication no",
      "allowusers root",
      `allowusers ${info.user}`,
    ]),
  );
  expect(armed()).toBe("0\n0");
  expect(onHost("true").code).toBe(0);

  const again = await t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput });
  expect(again.changeSummary).toEqual({ same: RESOURCES });
});

test("2. a drop-in sshd -t rejects is refused before the swap: up fails, nothing is placed", async () => {
  t.stack.workspace.program = program({ brokenDropIn: "PermitRootLogn no\n" });
  const message = await failureOf(t.stack.up({ onOutput: t.onOutput }));
  expect(message).toContain(`validator rejected the new content of ${BROKEN}`);
  expect(message).toContain("hemma: sshd -t rejects the config with the new 98-hemma-e2e.conf");
  expect(box.inContainer(`ls -A /etc/ssh/sshd_config.d/`).split("\n").sort()).toEqual([
    "10-sandbox.conf",
    "99-hardening.conf",
  ]);
  expect(liveDropIn()).toBe(sha256(good()));
  expect(onHost("true").code).toBe(0);
});

test("3. a hardening an earlier drop-in would override: up backs that drop-in up, removes it, and sshd runs ours", async () => {
  // The sandbox's own 10-sandbox.conf sets `PermitRootLogin no`, and sshd keeps the first value:
  // a file nobody declared that overrides the hardening (docs/decisions/0111).
  const earlier = "/etc/ssh/sshd_config.d/10-sandbox.conf";
  t.stack.workspace.program = program({ permitRootLogin: "prohibit-password" });
  const events: EngineEvent[] = [];
  const up = await t.stack.up({ onOutput: t.onOutput, onEvent: (e) => events.push(e) });
  expect(up.summary.result).toBe("succeeded");
  const moved = movedFiles(events).filter((l) => l.startsWith(`moved ${earlier} to `));
  expect(moved).toHaveLength(1);
  const copy = /^moved \S+ to (\S+) /.exec(moved[0]!)![1]!;
  expect(copy).toMatch(new RegExp(`^${BACKUP_ROOT}/\\d{8}T\\d{6}Z${earlier.replace(/[.]/g, "\\.")}$`));
  expect(box.inContainer(`test -e ${earlier} && echo present || echo absent`)).toBe("absent");
  expect(box.inContainer(`grep -c '^PermitRootLogin no$' ${copy}`)).toBe("1");
  // sshd -T prints prohibit-password by its older name.
  expect(onHost("sshd -T").stdout.split("\n")).toContain("permitrootlogin without-password");
  expect(onHost("true").code).toBe(0);

  // Back to the hardening the next tests start from; nothing overrides it any more.
  t.stack.workspace.program = program();
  expect((await t.stack.up({ onOutput: t.onOutput })).summary.result).toBe("succeeded");
  expect(liveDropIn()).toBe(sha256(good()));
  expect(armed()).toBe("0\n0");
});

test("4. a change that locks the program's user out is reverted by the host within the timeout, and up says so", async () => {
  t.stack.workspace.program = program({ allowUsers: ["root"] });
  const started = Date.now();
  const message = await failureOf(t.stack.up({ onOutput: t.onOutput }));
  const elapsed = (Date.now() - started) / 1000;
  expect(message).toContain(
    `sshd hardening (${DROP_IN}) would have locked ${info.user}@127.0.0.1:${info.port} out (a fresh SSH login failed: the login of ${info.user} was refused)`,
  );
  expect(message).toContain(
    `The host restored the previous files itself (revert unit hemma-revert-sshd after ${TIMEOUT} s) and is reachable again`,
  );
  expect(elapsed).toBeLessThan(TIMEOUT + 90);
  // The host put the previous drop-in back and reloaded sshd: the user gets in again.
  expect(liveDropIn()).toBe(sha256(good()));
  expect(onHost("true").code).toBe(0);
  expect(box.inContainer("journalctl -t hemma-revert --no-pager -o cat | tail -n 1")).toBe(
    `guard sshd: access was not confirmed within ${TIMEOUT} s; previous files restored`,
  );
});

test("5. with the config fixed, up converges again and the refreshing preview is clean", async () => {
  t.stack.workspace.program = program();
  const up = await t.stack.up({ refresh: true, onOutput: t.onOutput });
  expect(up.summary.result).toBe("succeeded");
  expect(liveDropIn()).toBe(sha256(good()));
  expect(armed()).toBe("0\n0");
  const again = await t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput });
  expect(again.changeSummary).toEqual({ same: RESOURCES });
});

test("6. a hand edit of the drop-in is drift that re-arms the guard before the repair", async () => {
  box.inContainer(`echo 'PasswordAuthentication yes' > ${DROP_IN} && systemctl reload ssh`);
  const message = await failureOf(
    t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput }),
  );
  expect(message).toContain("sshd-drop-in");
  expect(message).toContain("sshd-revert-arm");
  const up = await t.stack.up({ refresh: true, onOutput: t.onOutput });
  expect(up.summary.result).toBe("succeeded");
  expect(liveDropIn()).toBe(sha256(good()));
  expect(armed()).toBe("0\n0");
});

test("7. destroy removes the drop-in it created and leaves no guard behind", async () => {
  const destroyed = await t.stack.destroy({ onOutput: t.onOutput });
  expect(destroyed.summary.result).toBe("succeeded");
  expect(liveDropIn()).toBe("absent");
  expect(armed()).toBe("0\n0");
  expect(onHost("true").code).toBe(0);
});
