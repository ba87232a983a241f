/**
 * The real Pulumi engine against the sandbox: converge, detect every kind of hand-made drift and
 * repair it, refuse content a validator rejects, keep secrets out of state and output, destroy
 * exactly what was created. Tests run in order and share one stack.
 */
import { createHash, randomBytes } from "node:crypto";
import type { SandboxInfo } from "../../scripts/sandbox-spec";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { ensureSandbox, onHost, onHostOk, privateKey } from "./support/sandbox";
import { failureOf, testStack, type TestStack } from "./support/stack";
import { APP_CONF, hostLayout, hostProgram } from "./support/host-program";

const run = randomBytes(4).toString("hex");
const secret = `s3cret-${randomBytes(12).toString("hex")}`;
const l = hostLayout(run);
/** The stack, the layer and its resources, and the code provider of the dynamic ones. */
const RESOURCES = 8;
const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

let info: SandboxInfo;
let connection: HostConnectionArgs;
let t: TestStack;

/** Live facts the assertions read: digest, mode and owner of each file; enabled/active of each unit. */
function live(): Record<string, string> {
  const out = onHostOk(
    info,
    [
      `for f in ${l.appConf} ${l.secretEnv} ${l.tickScript}; do`,
      '  if [ -f "$f" ]; then echo "$f $(sha256sum "$f" | cut -d" " -f1) $(stat -c "%a %U:%G" "$f")"; else echo "$f absent"; fi',
      "done",
      `for u in ${l.webService} ${l.tickService} ${l.tickTimer}; do`,
      '  if [ -e "/etc/systemd/system/$u" ]; then f=file; else f=absent; fi',
      '  e=$(systemctl is-enabled "$u" 2>/dev/null); a=$(systemctl is-active "$u" 2>/dev/null)',
      '  echo "$u $f ${e:-none} ${a:-none}"',
      "done",
    ].join("\n"),
  );
  return Object.fromEntries(
    out.split("\n").map((line) => [line.split(" ")[0]!, line.split(" ").slice(1).join(" ")]),
  );
}

const converged = (): Record<string, string> => ({
  [l.appConf]: `${sha256(APP_CONF)} 644 root:root`,
  [l.secretEnv]: `${sha256(`TOKEN=${secret}\n`)} 600 root:root`,
  [l.tickScript]: `${sha256(`#!/bin/sh\nlogger -t ${l.tickService} tick\n`)} 755 root:root`,
  [l.webService]: "file enabled active",
  [l.tickService]: "file static inactive",
  [l.tickTimer]: "file enabled active",
});

beforeAll(async () => {
  info = ensureSandbox();
  connection = {
    host: info.host,
    port: info.port,
    user: info.user,
    hostKey: info.hostKey,
    privateKey: privateKey(info),
  };
  // A file the program does not manage, in a directory it does: destroy must leave it.
  onHostOk(info, `mkdir -p ${l.dir} && echo keep > ${l.dir}/unmanaged.txt`);
  t = await testStack("e2e-host", hostProgram(connection, run, secret));
});

afterAll(async () => {
  onHost(info, `rm -rf ${l.dir}`);
  t?.dispose();
});

test("1. up converges, then a preview and a refreshing preview report no changes", async () => {
  const up = await t.stack.up({ onOutput: t.onOutput });
  expect(up.summary.result).toBe("succeeded");
  expect(up.summary.resourceChanges).toEqual({ create: RESOURCES });
  expect(live()).toEqual(converged());

  const preview = await t.stack.preview({ onOutput: t.onOutput });
  expect(preview.changeSummary).toEqual({ same: RESOURCES });
  const refreshed = await t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput });
  expect(refreshed.changeSummary).toEqual({ same: RESOURCES });
});

/** [what, the hand-made change, the step the refreshed preview must propose]. */
const drifts: Array<[string, string, string]> = [
  ["a file's content edited", `echo 'greeting=hacked' > ${l.appConf}`, "HostFile app-conf update"],
  ["a file's mode changed", `chmod 0666 ${l.secretEnv}`, "HostFile secret-env update"],
  ["a file deleted", `rm ${l.tickScript}`, "HostFile tick-script create"],
  ["a timer disabled", `systemctl disable --now ${l.tickTimer}`, "SystemdUnit tick-timer update"],
  ["a service stopped", `systemctl stop ${l.webService}`, "SystemdUnit web-service update"],
];

test.each(drifts)(
  "2. drift (%s) fails preview --refresh --expect-no-changes, and up repairs it",
  async (_what, drift, step) => {
    onHostOk(info, drift);
    expect(live()).not.toEqual(converged());

    const message = await failureOf(
      t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput }),
    );
    expect(message).toContain("no changes were expected for preview but changes were proposed");
    expect(message).toContain(step);
    // Only the drifted resource is proposed for change.
    expect(message).toMatch(
      new RegExp(`Resources:\\s+[~+] 1 to (update|create)\\s+${RESOURCES - 1} unchanged`),
    );

    const up = await t.stack.up({ refresh: true, onOutput: t.onOutput });
    expect(up.summary.result).toBe("succeeded");
    expect(live()).toEqual(converged());
    const after = await t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput });
    expect(after.changeSummary).toEqual({ same: RESOURCES });
  },
);

test("3. content the validator rejects fails up with its message and leaves the old file", async () => {
  t.stack.workspace.program = hostProgram(connection, run, secret, { appConf: "port=9090\n" });
  const message = await failureOf(t.stack.up({ onOutput: t.onOutput }));
  expect(message).toContain(`validator rejected the new content of ${l.appConf}`);
  expect(message).toContain("app.conf must set greeting=");
  expect(live()[l.appConf]).toBe(`${sha256(APP_CONF)} 644 root:root`);
  expect(onHostOk(info, `ls -A ${l.dir}`).split("\n").sort()).toEqual([
    "app.conf",
    "secret.env",
    "unmanaged.txt",
  ]);

  t.stack.workspace.program = hostProgram(connection, run, secret);
  const back = await t.stack.up({ refresh: true, onOutput: t.onOutput });
  expect(back.summary.result).toBe("succeeded");
  expect(live()).toEqual(converged());
});

test("6. no secret value appears in the stored or exported state or in the engine's output", async () => {
  const keyBody = privateKey(info)
    .split("\n")
    .filter((line) => line.length > 0 && !line.startsWith("-----"));
  const needles = [secret, ...keyBody];
  const leaks = (haystack: string): string[] => needles.filter((n) => haystack.includes(n));

  // The needles are right: the decrypted export (`--show-secrets`, which Stack.exportStack uses) has them all.
  expect(leaks(JSON.stringify(await t.stack.exportStack()))).toEqual(needles);

  const stored = t.storedState();
  const exported = t.exportState();
  const output = t.output.join("");
  // The checks below only mean something if state and output are really there.
  expect(stored).toContain(l.secretEnv);
  expect(exported).toContain(l.secretEnv);
  expect(output).toContain("secret-env");
  expect(exported).toContain(sha256(APP_CONF));
  expect({ stored: leaks(stored), exported: leaks(exported), output: leaks(output) }).toEqual({
    stored: [],
    exported: [],
    output: [],
  });
});

test("5. destroy removes every managed file and unit and leaves the unmanaged file", async () => {
  const destroyed = await t.stack.destroy({ onOutput: t.onOutput });
  expect(destroyed.summary.result).toBe("succeeded");
  expect(destroyed.summary.resourceChanges).toEqual({ delete: RESOURCES });
  expect(live()).toEqual({
    [l.appConf]: "absent",
    [l.secretEnv]: "absent",
    [l.tickScript]: "absent",
    [l.webService]: "absent none inactive",
    [l.tickService]: "absent none inactive",
    [l.tickTimer]: "absent none inactive",
  });
  expect(onHostOk(info, `ls /etc/systemd/system | grep -c hemma-e2e-${run} || true`)).toBe("0");
  expect(onHostOk(info, `cat ${l.dir}/unmanaged.txt`)).toBe("keep");
});
