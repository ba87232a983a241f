/**
 * Provider-level promises on the real engine against the sandbox, beyond the host-layer
 * scenarios: one SSH connection per run, restart only on own content change (a drop-in restarts
 * its parent), a masked stock unit unmasked (not deleted) on destroy, nothing of any file's
 * content or the key in the stored state, and no checkout path in the serialized provider.
 *
 * Skips, saying so on stderr, when the sandbox is not running (`npm run sandbox -- up`).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { readSandboxInfo, sshArgs, type SandboxInfo } from "../../scripts/sandbox-spec";
import type { HostConnectionArgs } from "../../providers/host-connection";
import { PROVIDER_CODE_KEY, unpackProviderLoader } from "../../providers/dynamic-resource";
import { HostFile, hostFileInputs, hostFileProvider } from "../../providers/host-file";
import { DYNAMIC_PROVIDER_TYPES } from "../../providers/provider-registry";
import { SystemdUnit } from "../../providers/systemd-unit";
import { onHostOk, privateKey } from "./support/sandbox";
import { testStack, type TestStack } from "./support/stack";

const ROOT = path.resolve(__dirname, "..", "..");

/** The running sandbox, or why there is none (probed synchronously so jest can skip at collection). */
function probeSandbox(): { info: SandboxInfo } | { reason: string } {
  let info: SandboxInfo;
  try {
    info = readSandboxInfo(ROOT);
  } catch (e) {
    return { reason: (e as Error).message };
  }
  const res = spawnSync("ssh", [...sshArgs(info), "true"], { encoding: "utf8", timeout: 15_000 });
  if (res.status !== 0) {
    return {
      reason: `sandbox at ${info.host}:${info.port} does not answer over SSH (${(res.stderr ?? "").trim() || `exit ${res.status}`})`,
    };
  }
  return { info };
}

const probe = probeSandbox();
if ("reason" in probe) {
  process.stderr.write(
    `providers.e2e: SKIPPED, the sandbox is not running: ${probe.reason}. Start it with \`npm run sandbox -- up\`.\n`,
  );
}
const describeIfSandbox = "info" in probe ? describe : describe.skip;

const run = randomBytes(4).toString("hex");
const dir = `/etc/hemma-prov-${run}`;
const service = `hemma-prov-${run}.service`;
const dropIn = `${service}.d/10-env.conf`;
/** A stock Debian timer of the sandbox (apt's, enabled out of the box) that the program masks. */
const STOCK = "apt-daily-upgrade.timer";
const FILES = 12;
const PLAIN_MARKER = `plain-marker-${run}`;
const SECRET_MARKER = `secret-marker-${randomBytes(8).toString("hex")}`;

interface Variant {
  readonly env: string;
  readonly fileSuffix: string;
}

function program(connection: HostConnectionArgs, v: Variant): () => Promise<void> {
  return async () => {
    const files: HostFile[] = [];
    for (let i = 0; i < FILES; i++) {
      files.push(
        new HostFile(`f${i}`, {
          connection,
          path: `${dir}/f${i}.conf`,
          content: i === 0 ? pulumi.secret(`${SECRET_MARKER}\n`) : `${PLAIN_MARKER} ${i}${v.fileSuffix}\n`,
          mode: i === 0 ? "0600" : "0644",
          createDirectories: true,
        }),
      );
    }
    const svc = new SystemdUnit("svc", {
      connection,
      name: service,
      content:
        "[Unit]\nDescription=hemma provider e2e\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n",
      enabled: true,
      active: true,
      // Its drop-in is declared by the resource below; any other would be drift (decision 0111).
      declaredDropIns: [`/etc/systemd/system/${dropIn}`],
    });
    new SystemdUnit(
      "svc-env",
      { connection, name: dropIn, content: `[Service]\nEnvironment=HEMMA_E2E=${v.env}\n` },
      { dependsOn: [svc] },
    );
    new SystemdUnit("mask-stock", { connection, name: STOCK, masked: true });
  };
}

/** Journal cursor of the sandbox's sshd, so SSH logins after it can be counted. */
function sshdCursor(info: SandboxInfo): string {
  const out = onHostOk(info, "journalctl -u ssh -n 0 --show-cursor --no-pager");
  const m = /-- cursor: (\S+)/.exec(out);
  if (m === null) throw new Error(`no journal cursor in ${JSON.stringify(out)}`);
  return m[1] as string;
}

/** SSH logins since `cursor`, minus the one this count itself makes. */
function loginsSince(info: SandboxInfo, cursor: string): number {
  const out = onHostOk(
    info,
    `journalctl -u ssh --after-cursor='${cursor}' --no-pager | grep -c 'Accepted publickey' || true`,
  );
  return Number(out) - 1;
}

/** The sandbox's SSH login, as the host providers take it. */
const sandboxConnection = (info: SandboxInfo): HostConnectionArgs => ({
  host: info.host,
  port: info.port,
  user: info.user,
  hostKey: info.hostKey,
  privateKey: privateKey(info),
});

const mainPid = (info: SandboxInfo): string => onHostOk(info, `systemctl show -p MainPID --value ${service}`);

describeIfSandbox("host providers on the real engine", () => {
  let info: SandboxInfo;
  let connection: HostConnectionArgs;
  let t: TestStack;
  let stockBefore: string;

  beforeAll(async () => {
    info = (probe as { info: SandboxInfo }).info;
    connection = sandboxConnection(info);
    stockBefore = onHostOk(
      info,
      `systemctl is-enabled ${STOCK} || true; systemctl is-active ${STOCK} || true`,
    );
    expect(["enabled\nactive", "disabled\ninactive"]).toContain(stockBefore);
    t = await testStack("e2e-prov", program(connection, { env: "one", fileSuffix: "" }));
  });

  afterAll(async () => {
    if (info === undefined) return;
    // Leave the sandbox as found even when a test failed half-way.
    onHostOk(
      info,
      [
        `systemctl disable --now ${service} 2>/dev/null || true`,
        `rm -rf ${dir} /etc/systemd/system/${service} /etc/systemd/system/${service}.d`,
        `if [ "$(systemctl is-enabled ${STOCK} 2>/dev/null)" = masked ]; then systemctl unmask ${STOCK}; fi`,
        "systemctl daemon-reload",
      ].join("\n"),
    );
    t?.dispose();
  });

  test("up over one SSH connection; a refreshing preview then finds nothing, also over one connection", async () => {
    let cursor = sshdCursor(info);
    await t.stack.up({ onOutput: t.onOutput });
    expect(loginsSince(info, cursor)).toBe(1);
    expect(
      onHostOk(
        info,
        `ls ${dir} | wc -l; systemctl is-active ${service}; systemctl show -p Environment --value ${service}; systemctl is-enabled ${STOCK} || true`,
      ),
    ).toBe(`${FILES}\nactive\nHEMMA_E2E=one\nmasked`);

    cursor = sshdCursor(info);
    const preview = await t.stack.preview({ refresh: true, expectNoChanges: true, onOutput: t.onOutput });
    // The files, the unit, its drop-in and the masked stock unit, the stack and the code provider.
    expect(preview.changeSummary).toEqual({ same: FILES + 3 + 2 });
    expect(loginsSince(info, cursor)).toBe(1);
  });

  test("a drop-in change restarts its parent; a change elsewhere leaves the service running as it was", async () => {
    const pid0 = mainPid(info);
    const res = await t.stack.up({
      program: program(connection, { env: "two", fileSuffix: "" }),
      onOutput: t.onOutput,
    });
    expect(res.summary.resourceChanges).toEqual({ same: FILES + 3 + 1, update: 1 });
    const pid1 = mainPid(info);
    expect(pid1).not.toBe(pid0);
    expect(onHostOk(info, `systemctl show -p Environment --value ${service}`)).toBe("HEMMA_E2E=two");

    const res3 = await t.stack.up({
      program: program(connection, { env: "two", fileSuffix: " changed" }),
      onOutput: t.onOutput,
    });
    expect(res3.summary.resourceChanges).toEqual({ same: 4 + 2, update: FILES - 1 });
    expect(mainPid(info)).toBe(pid1);
  });

  test("the stored state holds no file content and no key, and the provider code once, without a checkout path", () => {
    const stored = t.storedState();
    // Booleans, not toContain: a failure must not print megabytes of state.
    const has = (needle: string): boolean => stored.includes(needle);
    expect(has('"type":"pulumi-nodejs:dynamic/host:HostFile"')).toBe(true);
    expect(has(PLAIN_MARKER)).toBe(false);
    expect(has(SECRET_MARKER)).toBe(false);
    expect(has("HEMMA_E2E=")).toBe(false);
    expect(has(privateKey(info).split("\n")[1] as string)).toBe(false);
    const resources = (
      JSON.parse(t.exportState()) as {
        deployment: { resources: { type: string; inputs?: Record<string, unknown> }[] };
      }
    ).deployment.resources;
    const stubs = resources
      .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))
      .map((r) => r.inputs!.__provider as string);
    expect(stubs.length).toBeGreaterThanOrEqual(FILES + 3);
    // One small stub per resource type; the code itself is stored once, in the code provider.
    expect(new Set(stubs).size).toBe(2);
    expect(Math.max(...stubs.map((text) => text.length))).toBeLessThan(2000);
    const code = resources.filter((r) => r.type === "pulumi:providers:pulumi-nodejs");
    expect(code.length).toBe(1);
    const texts = Object.values(code[0]!.inputs![PROVIDER_CODE_KEY] as Record<string, string>).map((text) =>
      unpackProviderLoader(text),
    );
    expect(texts.length).toBe(DYNAMIC_PROVIDER_TYPES.length);
    expect(texts.filter((text) => text.includes(ROOT)).length).toBe(0);
  });

  test("destroy removes what it created, and unmasks the stock unit back to how it was (enabled, running, not failed)", async () => {
    onHostOk(info, `echo keep > ${dir}/unmanaged.txt`);
    await t.stack.destroy({ onOutput: t.onOutput });
    expect(
      onHostOk(
        info,
        [
          `ls -A ${dir}`,
          `test -e /etc/systemd/system/${service} && echo unit-present || echo unit-absent`,
          `test -e /etc/systemd/system/${service}.d && echo dropin-dir-present || echo dropin-dir-absent`,
          `systemctl is-active ${service} || true`,
          `systemctl is-enabled ${STOCK} || true`,
          `systemctl is-active ${STOCK} || true`,
          `systemctl show -p LoadState --value ${STOCK}`,
        ].join("\n"),
      ),
    ).toBe(`unmanaged.txt\nunit-absent\ndropin-dir-absent\ninactive\n${stockBefore}\nloaded`);
  });
});

describeIfSandbox("state written before the code provider", () => {
  test("a file the SDK's own dynamic resource stored moves to the code provider: no replacement, the file untouched", async () => {
    const info = (probe as { info: SandboxInfo }).info;
    const connection = sandboxConnection(info);
    const file = `/etc/hemma-prov-legacy-${run}.conf`;
    const args = { connection, path: file, content: `legacy ${run}\n` };
    // What every stack held before: the default provider, the serialized code in the resource.
    class LegacyHostFile extends pulumi.dynamic.Resource {}
    const legacy = async (): Promise<void> =>
      void new LegacyHostFile(
        hostFileProvider,
        "legacy",
        hostFileInputs(args),
        undefined,
        "host",
        "HostFile",
      );
    const t = await testStack("e2e-prov-legacy", legacy);
    try {
      expect((await t.stack.up({ onOutput: t.onOutput })).summary.resourceChanges).toEqual({ create: 2 });
      const before = onHostOk(info, `stat -c '%i %Y' ${file}`);
      const current = async (): Promise<void> => void new HostFile("legacy", args);
      const up = await t.stack.up({ program: current, onOutput: t.onOutput });
      // The code provider is new; the file's resource only stores its stub (and new provider).
      expect(up.summary.resourceChanges).toEqual({ create: 1, same: 1, update: 1 });
      expect(onHostOk(info, `stat -c '%i %Y' ${file}; cat ${file}`)).toBe(`${before}\nlegacy ${run}`);
      const again = await t.stack.preview({
        program: current,
        refresh: true,
        expectNoChanges: true,
        onOutput: t.onOutput,
      });
      expect(again.changeSummary).toEqual({ same: 3 });
      await t.stack.destroy({ onOutput: t.onOutput });
      expect(onHostOk(info, `test -e ${file} && echo present || echo absent`)).toBe("absent");
    } finally {
      onHostOk(info, `rm -f ${file}`);
      t.dispose();
    }
  });
});

describeIfSandbox("a create that fails half-way", () => {
  test("a timer that cannot start stays in state with its error, and destroy removes its file and link", async () => {
    const info = (probe as { info: SandboxInfo }).info;
    const connection = sandboxConnection(info);
    const timer = `hemma-prov-broken-${run}.timer`;
    // No matching .service exists, so `systemctl start` fails after the file is written and enabled.
    const t = await testStack("e2e-prov-broken", async () => {
      new SystemdUnit("broken", {
        connection,
        name: timer,
        content: "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n",
      });
    });
    try {
      await expect(t.stack.up({ onOutput: t.onOutput })).rejects.toThrow(
        `systemctl for ${timer} on ${info.host}:${info.port} failed (exit 1)`,
      );
      const units = (await t.stack.exportStack()).deployment.resources.filter(
        (r: { type: string }) => r.type === "pulumi-nodejs:dynamic/host:SystemdUnit",
      );
      expect(units.map((r: { id: string; initErrors?: string[] }) => [r.id, r.initErrors?.length])).toEqual([
        [`${info.host}:${info.port}:/etc/systemd/system/${timer}`, 1],
      ]);
      expect(
        onHostOk(
          info,
          `ls /etc/systemd/system/${timer} /etc/systemd/system/timers.target.wants/${timer} | wc -l`,
        ),
      ).toBe("2");
      await t.stack.destroy({ onOutput: t.onOutput });
      expect(
        onHostOk(
          info,
          `ls /etc/systemd/system /etc/systemd/system/timers.target.wants | grep -c ${timer} || true`,
        ),
      ).toBe("0");
    } finally {
      onHostOk(
        info,
        `systemctl disable ${timer} 2>/dev/null || true; rm -f /etc/systemd/system/${timer}; systemctl daemon-reload`,
      );
      t.dispose();
    }
  });
});
