/**
 * What systemd, sshd, sysctl and nginx-proxy really use, on a sandbox of this file's own: every
 * hand-made file that overrides a managed one is drift named by field with its path, a hand edit
 * of a managed file shows as a unified diff (a secret file only as "differs"), `up` copies each
 * undeclared file to the backup tree, removes it and says where, and the next drift run is clean.
 * Tests run in order on one stack.
 */
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { SSHD_RELOAD_COMMAND } from "../../components/edge/sshd-hardening";
import { HostFile } from "../../providers/host-file";
import { BACKUP_ROOT } from "../../providers/remote-file";
import { SystemdUnit } from "../../providers/systemd-unit";
import { DRIFT, detectDrift, formatDrift, NO_DRIFT, type DriftResult } from "../../scripts/drift";
import { movedFiles } from "../../scripts/moved-files";
import { startPrivateSandbox, type PrivateSandbox } from "./support/private-sandbox";
import { testStack, type TestStack } from "./support/stack";

const run = randomBytes(3).toString("hex");
const secret = `s3cret-${randomBytes(12).toString("hex")}`;
const base = `hemma-eff-${run}`;
const dir = `/etc/${base}`;
const appConf = `${dir}/app.conf`;
const secretEnv = `${dir}/secret.env`;
const vhostDir = `${dir}/vhost.d`;
const web = `${base}-web.service`;
const stock = `${base}-stock.service`;
const declaredDropIn = `/etc/systemd/system/${web}.d/10-declared.conf`;
const sshdDropIn = `/etc/ssh/sshd_config.d/99-${base}.conf`;
const sysctlFile = `/etc/sysctl.d/90-${base}.conf`;

const APP = "greeting=hello\nport=8080\n";
const WEB_UNIT = "[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n";

/** The hand-made files, by the resource that must report them and the field it names. */
const HAND = {
  etcDropIn: `/etc/systemd/system/${web}.d/50-hand.conf`,
  runDropIn: `/run/systemd/system/${web}.d/50-runtime.conf`,
  runUnit: `/run/systemd/system/${web}`,
  runtimeMask: `/run/systemd/system/${stock}`,
  sshd: `/etc/ssh/sshd_config.d/50-${base}-hand.conf`,
  sysctl: `/etc/sysctl.d/99-${base}-hand.conf`,
  vhost: `${vhostDir}/app.hemma.test`,
};

let box: PrivateSandbox;
let t: TestStack;
let driftText: string[] = [];

async function drift(): Promise<DriftResult> {
  const before = t.storedState();
  const out: string[] = [];
  const result = await detectDrift(t.stack, (o) => out.push(o));
  // Read only: the stored state is byte for byte what it was.
  expect(t.storedState()).toBe(before);
  driftText = [...formatDrift(result), ...out];
  return result;
}

const exists = (p: string): boolean =>
  box.inContainer(`[ -e ${p} ] || [ -L ${p} ] && echo yes || echo no`) === "yes";

beforeAll(async () => {
  box = await startPrivateSandbox("drift-effective");
  const connection = box.connection;
  // A package's unit: the stack manages only its state.
  box.inContainer(
    `printf '[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n' > /usr/lib/systemd/system/${stock} && systemctl daemon-reload`,
  );
  t = await testStack("e2e-effective", async () => {
    const files = [
      new HostFile("app-conf", { connection, path: appConf, content: APP, createDirectories: true }),
      new HostFile("secret-env", {
        connection,
        path: secretEnv,
        content: pulumi.secret(`TOKEN=${secret}\n`),
        mode: "0600",
        createDirectories: true,
      }),
      new HostFile("vhost-default", {
        connection,
        path: `${vhostDir}/default`,
        content: "# served for every host without a file of its own\n",
        createDirectories: true,
        shadows: { kind: "nginx-vhost", hosts: ["app.hemma.test"] },
      }),
      new HostFile("sshd-drop-in", {
        connection,
        path: sshdDropIn,
        content: "PasswordAuthentication no\nPermitRootLogin no\n",
        onChange: SSHD_RELOAD_COMMAND,
        shadows: { kind: "sshd", settings: { PasswordAuthentication: "no", PermitRootLogin: "no" } },
      }),
      // No onChange: a container may not write kernel.panic.
      new HostFile("sysctl", {
        connection,
        path: sysctlFile,
        content: "kernel.panic = 10\n",
        shadows: { kind: "sysctl", settings: { "kernel.panic": "10" } },
      }),
    ];
    const webUnit = new SystemdUnit("web-service", {
      connection,
      name: web,
      content: WEB_UNIT,
      enabled: true,
      active: true,
      declaredDropIns: [declaredDropIn],
    });
    const units = [
      webUnit,
      // After its unit: a drop-in's change restarts the unit, which must exist.
      new SystemdUnit(
        "web-drop-in",
        { connection, name: `${web}.d/10-declared.conf`, content: "[Service]\nEnvironment=DECLARED=1\n" },
        { dependsOn: [webUnit] },
      ),
      new SystemdUnit("stock-service", { connection, name: stock, enabled: true, active: true }),
    ];
    return {
      backups: pulumi.all([...files, ...units].map((r) => r.backups)).apply((b) => b.flat().filter(Boolean)),
    };
  });
  await t.stack.up({ onOutput: t.onOutput });
}, 900_000);

afterAll(async () => {
  try {
    await t?.stack.destroy({ onOutput: t.onOutput });
  } finally {
    t?.dispose();
    box?.remove();
  }
});

test("1. right after up nothing has drifted", async () => {
  expect(await drift()).toEqual({ code: NO_DRIFT, summary: "drift: none" });
});

test("2. each hand change is drift, named by field with its path; an edited file shows its diff, a secret one does not", async () => {
  box.inContainer(
    [
      `printf 'greeting=edited by hand\\nport=8080\\n' > ${appConf}`,
      `printf 'TOKEN=changed-by-hand\\n' > ${secretEnv}`,
      `mkdir -p /etc/systemd/system/${web}.d /run/systemd/system/${web}.d`,
      `printf '[Service]\\nEnvironment=HAND_ETC=1\\n' > ${HAND.etcDropIn}`,
      `printf '[Service]\\nEnvironment=HAND_RUN=1\\n' > ${HAND.runDropIn}`,
      `sed 's/sleep infinity/sleep 7777/' /etc/systemd/system/${web} > ${HAND.runUnit}`,
      `systemctl mask --runtime --now ${stock}`,
      `printf 'PermitRootLogin yes\\n' > ${HAND.sshd}`,
      `printf 'kernel.panic = 0\\n' > ${HAND.sysctl}`,
      `printf 'return 200;\\n' > ${HAND.vhost}`,
      "systemctl daemon-reload",
    ].join(" && "),
  );
  const result = await drift();
  expect(result.code).toBe(DRIFT);
  if (result.code !== DRIFT) return;
  const byName = Object.fromEntries(result.changes.map((c) => [c.urn.slice(c.urn.lastIndexOf("::") + 2), c]));
  expect(Object.keys(byName).sort()).toEqual(
    [
      "app-conf",
      "secret-env",
      "vhost-default",
      "sshd-drop-in",
      "sysctl",
      "web-service",
      "stock-service",
    ].sort(),
  );
  expect(byName["app-conf"]).toMatchObject({
    fields: ["digest"],
    details: [
      `--- ${appConf} (declared)`,
      `+++ ${appConf} (live)`,
      "@@ -1,2 +1,2 @@",
      "-greeting=hello",
      "+greeting=edited by hand",
      " port=8080",
    ],
  });
  expect(byName["secret-env"]).toMatchObject({
    fields: ["digest"],
    details: [`${secretEnv}: content differs; it holds a secret, so no line of it is shown`],
  });
  const moved = (p: string, what: string, field: string) =>
    `${field}: ${p} (a ${what} no resource declares; up copies it to ${BACKUP_ROOT}/<UTC time>${p} and removes it)`;
  expect(byName["vhost-default"]).toMatchObject({
    fields: ["shadowedBy"],
    details: [moved(HAND.vhost, "file overriding it", "shadowedBy")],
  });
  expect(byName["sshd-drop-in"]).toMatchObject({
    fields: ["shadowedBy"],
    details: [moved(HAND.sshd, "file overriding it", "shadowedBy")],
  });
  expect(byName["sysctl"]).toMatchObject({
    fields: ["shadowedBy"],
    details: [moved(HAND.sysctl, "file overriding it", "shadowedBy")],
  });
  expect(byName["web-service"]).toMatchObject({
    fields: ["extraDropIns", "extraUnitFiles"],
    details: [
      moved(HAND.runUnit, "unit file", "extraUnitFiles"),
      moved(HAND.etcDropIn, "drop-in", "extraDropIns"),
      moved(HAND.runDropIn, "drop-in", "extraDropIns"),
    ],
  });
  expect(byName["stock-service"]).toMatchObject({
    fields: ["active", "enabled", "extraUnitFiles"],
    details: [moved(HAND.runtimeMask, "unit file", "extraUnitFiles")],
  });
  for (const c of result.changes) expect(c.op).toBe("update");
  const text = driftText.join("\n");
  expect(text).toContain("+greeting=edited by hand");
  expect(text).not.toContain(secret);
  expect(text).not.toContain("changed-by-hand");
});

test("3. up backs each undeclared file up, removes it, says where, and the units run as declared", async () => {
  const events: EngineEvent[] = [];
  // As the README says to run it: only a refreshing up sees what changed on the host.
  const up = await t.stack.up({ refresh: true, onOutput: t.onOutput, onEvent: (e) => events.push(e) });
  expect(up.summary.result).toBe("succeeded");
  const backups = up.outputs.backups!.value as string[];
  const lines = movedFiles(events);
  for (const p of Object.values(HAND)) {
    const entry = backups.find((b) => b.startsWith(`${p} -> `));
    expect(entry).toMatch(
      new RegExp(`^${p.replace(/[.]/g, "\\.")} -> ${BACKUP_ROOT}/\\d{8}T\\d{6}Z${p.replace(/[.]/g, "\\.")}$`),
    );
    const copy = entry!.split(" -> ")[1]!;
    expect(exists(p)).toBe(false);
    expect(exists(copy)).toBe(true);
    expect(lines.some((l) => l.startsWith(`moved ${p} to ${copy} (not declared; found by `))).toBe(true);
  }
  expect(
    box.inContainer(`readlink ${backups.find((b) => b.startsWith(HAND.runtimeMask))!.split(" -> ")[1]}`),
  ).toBe("/dev/null");
  expect(box.inContainer(`cat ${backups.find((b) => b.startsWith(HAND.sshd))!.split(" -> ")[1]}`)).toBe(
    "PermitRootLogin yes",
  );
  expect(box.inContainer(`stat -c %a ${BACKUP_ROOT}`)).toBe("700");
  expect(box.inContainer(`systemctl show -p Environment --value ${web}`)).toBe("DECLARED=1");
  expect(box.inContainer(`systemctl show -p ExecStart --value ${web}`)).toContain(
    "argv[]=/bin/sleep infinity",
  );
  expect(box.inContainer(`systemctl is-active ${stock}; systemctl is-enabled ${stock}`)).toBe(
    "active\nenabled",
  );
  // The hand edits of managed content are put back too.
  expect(box.inContainer(`cat ${appConf}`)).toBe(APP.trim());
  expect(box.inContainer(`cat ${secretEnv}`)).toBe(`TOKEN=${secret}`);
  expect(t.output.join("")).not.toContain(secret);
});

test("4. after up nothing has drifted", async () => {
  expect(await drift()).toEqual({ code: NO_DRIFT, summary: "drift: none" });
});
