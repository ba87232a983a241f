/**
 * The revert guard's host scripts, run locally with bash; `systemd-run` and `systemctl` are
 * stubs that log their arguments (the real transient timer is exercised in tests/e2e/edge.e2e.test.ts).
 */
import { spawnSync } from "child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "fs";
import { tmpdir } from "os";
import { join } from "path";
import * as pulumi from "@pulumi/pulumi";
import { ufwProvider } from "../../providers/ufw-rules";
import { fail2banJailsProvider } from "../../providers/fail2ban-jails";
import { sshPool } from "../../providers/ssh-pool";
import {
  armProvider,
  confirmProvider,
  freshAccessAttempt,
  armScript,
  confirmOutcome,
  diffArm,
  disarmScript,
  guardNameProblem,
  lockoutMessage,
  probeDigest,
  probeScript,
  revertUnit,
} from "../../providers/revert-guard";

let dir: string;
let bin: string;
let base: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hemma-revert-"));
  bin = join(dir, "bin");
  base = join(dir, "var/lib/hemma/revert");
  mkdirSync(bin, { recursive: true });
  for (const tool of ["systemd-run", "systemctl", "logger"]) {
    writeFileSync(
      join(bin, tool),
      `#!/bin/sh\necho "${tool} $*" >> ${dir}/calls.log\n[ "$1" = is-active ] && exit 3\nexit 0\n`,
    );
    chmodSync(join(bin, tool), 0o755);
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function bash(script: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("bash", ["-c", script], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("arming snapshots the files and starts a transient timer with the timeout", () => {
  const conf = join(dir, "etc/ssh/sshd_config.d/99-hardening.conf");
  mkdirSync(join(dir, "etc/ssh/sshd_config.d"), { recursive: true });
  writeFileSync(conf, "AllowUsers root paunchygent\n");
  const r = bash(
    armScript(
      {
        name: "sshd",
        paths: [conf],
        restoreCommand: "echo reloaded >> " + join(dir, "restore.log"),
        timeoutSeconds: 45,
        armId: "a1",
      },
      base,
    ),
  );
  expect(r).toEqual({ status: 0, stdout: "armed=hemma-revert-sshd\n", stderr: "" });
  expect(readFileSync(join(base, "sshd/files/0"), "utf8")).toBe("AllowUsers root paunchygent\n");
  const calls = readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n");
  expect(calls[calls.length - 1]).toBe(
    `systemd-run --quiet --unit=hemma-revert-sshd --on-active=45s --timer-property=AccuracySec=1s /bin/bash ${base}/sshd/restore.sh`,
  );
});

test("the restore script puts back changed files, deletes files that were absent, runs the restore command and marks the revert", () => {
  const a = join(dir, "etc/a.conf");
  const b = join(dir, "etc/b with space.conf");
  mkdirSync(join(dir, "etc"));
  writeFileSync(a, "old a\n");
  chmodSync(a, 0o640);
  expect(
    bash(
      armScript(
        {
          name: "fw",
          paths: [a, b],
          restoreCommand: `echo restored >> '${dir}/restore.log'`,
          timeoutSeconds: 30,
          armId: "a1",
        },
        base,
      ),
    ).status,
  ).toBe(0);
  // The guarded change happens, then nobody confirms: the timer runs restore.sh.
  writeFileSync(a, "locked out\n");
  writeFileSync(b, "new file\n");
  const restore = bash(`bash ${base}/fw/restore.sh`);
  expect(restore.status).toBe(0);
  expect(readFileSync(a, "utf8")).toBe("old a\n");
  expect((statSync(a).mode & 0o777).toString(8)).toBe("640");
  expect(existsSync(b)).toBe(false);
  expect(readFileSync(join(dir, "restore.log"), "utf8")).toBe("restored\n");
  expect(existsSync(join(base, "fw/reverted"))).toBe(true);
  expect(readFileSync(join(dir, "calls.log"), "utf8")).toContain(
    "logger -t hemma-revert guard fw: access was not confirmed within 30 s",
  );
});

test("disarm reports whether this arming's revert already ran, stops the timer and removes the snapshot", () => {
  const armIt = (armId: string) =>
    bash(
      armScript(
        { name: "sshd", paths: [join(dir, "x")], restoreCommand: "true", timeoutSeconds: 30, armId },
        base,
      ),
    );
  armIt("a1");
  expect(bash(disarmScript("sshd", "a1", base)).stdout).toBe("reverted=no\n");
  expect(existsSync(join(base, "sshd"))).toBe(false);
  expect(readFileSync(join(dir, "calls.log"), "utf8")).toContain("systemctl stop hemma-revert-sshd.timer");

  armIt("a2");
  bash(`bash ${base}/sshd/restore.sh`);
  expect(bash(disarmScript("sshd", "a2", base)).stdout).toBe("reverted=yes\n");

  // A marker left by an earlier arming (a reverted lockout) is not the current arming's revert.
  armIt("a3");
  bash(`bash ${base}/sshd/restore.sh`);
  expect(bash(disarmScript("sshd", "a4", base)).stdout).toBe("reverted=no\n");
});

test("probeScript prints the digest probeDigest predicts for the same content", () => {
  const f = join(dir, "f");
  writeFileSync(f, "PasswordAuthentication no\nAllowUsers root\n");
  expect(bash(probeScript(`cat '${f}'`)).stdout).toBe(
    `digest=${probeDigest("PasswordAuthentication no\nAllowUsers root\n")}\n`,
  );
  expect(bash(probeScript(`cat '${dir}/missing'`)).stdout).toBe(`digest=${probeDigest("")}\n`);
});

test("the Arm re-arms when the wanted state differs from the live one, and not otherwise", () => {
  const base = {
    connection: { host: "h", port: 22 } as never,
    name: "sshd",
    paths: ["/p"],
    restoreCommand: "r",
    probeCommand: "cat /p",
    timeoutSeconds: 60,
  };
  const olds = { ...base, desiredDigest: "d1", liveDigest: "d1", armId: "x" };
  expect(diffArm(olds, { ...base, desiredDigest: "d1" }).changes).toBe(false);
  expect(diffArm(olds, { ...base, desiredDigest: "d2" }).changes).toBe(true);
  // A refresh that found the file edited by hand re-arms before HostFile repairs it.
  expect(diffArm({ ...olds, liveDigest: "hand-edit" }, { ...base, desiredDigest: "d1" }).changes).toBe(true);
});

test("names and messages", () => {
  expect(guardNameProblem("sshd")).toBeUndefined();
  expect(guardNameProblem("ssh d;")).toBe("guard name 'ssh d;' must be lower-case letters, digits and '-'");
  expect(revertUnit("sshd")).toBe("hemma-revert-sshd");
  expect(() =>
    armScript({ name: "x", paths: [], restoreCommand: "", timeoutSeconds: 2, armId: "a" }),
  ).toThrow("revert timeout must be a whole number of seconds >= 5");
  const c = {
    connection: { user: "paunchygent", host: "127.0.0.1", port: 2222 } as never,
    name: "sshd",
    armId: "a",
    timeoutSeconds: 20,
    description: "sshd hardening",
  };
  expect(lockoutMessage(c, "the login of paunchygent was refused", true)).toBe(
    "sshd hardening would have locked paunchygent@127.0.0.1:2222 out (a fresh SSH login failed: the login of paunchygent was refused). " +
      "The host restored the previous files itself (revert unit hemma-revert-sshd after 20 s) and is reachable again; nothing was kept. " +
      "Fix the config (AllowUsers, firewall rules) and run up again.",
  );
});

test.each([
  // [firstError, reverted, holds the wanted state, outcome]
  [undefined, false, false, "ok"],
  ["connect ECONNREFUSED", false, false, "ok"], // sshd re-exec: one refused try, then in
  [undefined, true, true, "ok"], // a stale revert put back what the change had written anyway
  ["Timed out while waiting for handshake", true, true, "ok"],
  ["Timed out while waiting for handshake", true, false, "lockout"], // dropped logins until the revert
  [undefined, true, false, "slow"], // in at once, but the run outlasted the timeout
] as const)(
  "a login that finally worked after first error %j, reverted %j, wanted state held %j: %s",
  (first, reverted, holds, outcome) => {
    expect(confirmOutcome(first === undefined ? {} : { firstError: first }, reverted, holds)).toBe(outcome);
  },
);

describe("serialized providers (what dynamic resources store in state)", () => {
  const root = join(__dirname, "..", "..");
  async function serialize(provider: unknown): Promise<{ text: string; containsSecrets: boolean }> {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    return { text: sf.text, containsSecrets: sf.containsSecrets };
  }
  function revive(text: string): pulumi.dynamic.ResourceProvider {
    const mod = { exports: {} as { handler?: () => pulumi.dynamic.ResourceProvider } };
    new Function("exports", "require", "module", text)(mod.exports, require, mod);
    return mod.exports.handler!();
  }

  test.each([
    ["RevertGuardArm", armProvider],
    ["RevertGuardConfirm", confirmProvider],
    ["UfwRules", ufwProvider],
    ["Fail2banJails", fail2banJailsProvider],
  ] as const)("%s holds no secret and no checkout path, and revives", async (_name, provider) => {
    const { text, containsSecrets } = await serialize(provider);
    expect(containsSecrets).toBe(false);
    expect(text).not.toContain(root);
    expect(text).toContain('require("ssh2/lib/index.js")');
    const p = revive(text);
    const r = await p.check!(
      {},
      {
        connection: {
          host: "h",
          port: 0,
          user: "root",
          hostKey: "x",
          privateKey: "k",
          connectTimeoutSeconds: 1,
          commandTimeoutSeconds: 1,
        },
        name: "bad name",
        rules: [],
      },
    );
    expect(r.failures?.map((f) => f.property)).toEqual(
      expect.arrayContaining(["connection.port", "connection.user", "connection.hostKey"]),
    );
  });

  test("the fresh-login check, serialized, reports a refused connection and opens nothing in the shared pool", async () => {
    const { utils } = await import("ssh2");
    const key = utils.generateKeyPairSync("ed25519");
    const conn = {
      host: "127.0.0.1",
      port: 1,
      user: "paunchygent",
      hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBTAYmazVK6yPTYHtYudlZO/w0mdA6j9nHKwusoYdMae",
      privateKey: key.private,
      connectTimeoutSeconds: 1,
      commandTimeoutSeconds: 1,
    };
    const attempt = revive((await serialize({ run: () => freshAccessAttempt(conn) })).text) as unknown as {
      run(): Promise<string | undefined>;
    };
    const before = sshPool().opened;
    await expect(attempt.run()).resolves.toBe("connect ECONNREFUSED 127.0.0.1:1");
    expect(sshPool().opened).toBe(before);
  });
});
