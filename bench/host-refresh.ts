/**
 * `npm run bench:host-refresh [-- --files N] [--runs R] [--parallel P] [--keep]`: the cost of the scheduled
 * drift check, and where it goes.
 *
 * Converges N (default 100) `HostFile`s on the sandbox (`HEMMA_SANDBOX_NAME` picks another
 * sandbox than the developer's), then, R times (default 3), times four previews and prints the
 * median of each with the load average of its run:
 *
 *   engine     a preview of a stack with no resource: CLI start, backend, language runtime;
 *   provider   a preview of one HostFile, minus `engine`: the dynamic-provider process and the
 *              program's first resource;
 *   per file   (a preview of N files without refresh, minus one file's) / (N - 1);
 *   refresh    the no-op `preview --refresh --expect-no-changes` of the N files, the target:
 *              at most 3 s wall and 1 SSH connection; its surplus over the preview without
 *              refresh is the host read.
 *
 * `--parallel P` passes the engine's `--parallel` to the refresh (default: the engine's own, 4 per
 * CPU, as `npm run drift` runs it): how many reads it keeps in flight, so how many share a batch.
 *
 * Each figure also shows the CPU seconds of this process (the inline program and the Automation
 * API) and of the engine's processes (CLI, dynamic provider), which the load on a shared machine
 * inflates far less than wall time. SSH logins are counted for a key made for this run alone,
 * from the sandbox's journal through `docker exec`, so counting opens no SSH connection.
 * Destroys the files afterwards unless `--keep`. Exit codes: 0 measured (target met or not: the
 * figures are the result); 1 the run failed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { HostFile } from "../providers/host-file";
import { openInlineStack, previewStack, REPO_ROOT } from "../scripts/engine";
import { readSandboxInfo, type SandboxInfo } from "../scripts/sandbox-spec";
import { tsScriptArgs } from "../scripts/ts-script";
import { childCpuSeconds, median } from "./support/measure";

const TARGET_SECONDS = 3;
const TARGET_CONNECTIONS = 1;

function sandboxUp(): SandboxInfo {
  const res = spawnSync(
    process.execPath,
    tsScriptArgs(path.join(REPO_ROOT, "scripts", "sandbox.ts"), ["up"]),
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  if (res.status !== 0) throw new Error("npm run sandbox -- up failed");
  return readSandboxInfo(REPO_ROOT);
}

function inSandbox(info: SandboxInfo, args: string[]): string {
  const res = spawnSync("docker", ["exec", info.container, ...args], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`docker exec ${args.join(" ")} failed: ${res.stderr}`);
  return res.stdout;
}

/** SSH logins with the key of `fingerprint` sshd accepted since `sinceEpoch` (sandbox clock, seconds). */
function acceptedLogins(info: SandboxInfo, sinceEpoch: number, fingerprint: string): number {
  const log = inSandbox(info, [
    "journalctl",
    "--unit",
    "ssh.service",
    "--since",
    `@${sinceEpoch}`,
    "--output",
    "cat",
    "--no-pager",
  ]);
  return log.split("\n").filter((line) => line.startsWith("Accepted publickey") && line.endsWith(fingerprint))
    .length;
}

/** A fresh ed25519 key pair, authorized for the sandbox user; returns the private key, its fingerprint and an undo. */
function benchKey(
  info: SandboxInfo,
  dir: string,
): { privateKey: string; fingerprint: string; revoke: () => void } {
  const file = path.join(dir, "bench_ed25519");
  const gen = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hemma-bench", "-f", file]);
  if (gen.status !== 0) throw new Error("ssh-keygen failed");
  const pub = fs.readFileSync(`${file}.pub`, "utf8").trim();
  const fingerprint = spawnSync("ssh-keygen", ["-l", "-f", `${file}.pub`], { encoding: "utf8" }).stdout.split(
    " ",
  )[1]!;
  const authorized = `/home/${info.user}/.ssh/authorized_keys`;
  inSandbox(info, ["sh", "-c", `printf '%s\\n' '${pub}' >> ${authorized}`]);
  return {
    privateKey: fs.readFileSync(file, "utf8"),
    fingerprint,
    revoke: () =>
      void spawnSync("docker", ["exec", info.container, "sed", "-i", "/ hemma-bench$/d", authorized]),
  };
}

/** One timed operation: wall seconds, CPU seconds here and in the engine, load average when it ended. */
interface Measured {
  readonly wall: number;
  readonly ownCpu: number;
  readonly engineCpu: number;
  readonly load: number;
}

async function measure(op: () => Promise<unknown>): Promise<Measured> {
  const cpu = process.cpuUsage();
  const children = childCpuSeconds();
  const started = process.hrtime.bigint();
  await op();
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const own = process.cpuUsage(cpu);
  return {
    wall,
    ownCpu: (own.user + own.system) / 1e6,
    engineCpu: childCpuSeconds() - children,
    load: os.loadavg()[0]!,
  };
}

/** The median of each field over the runs (the middle run by wall time for the load). */
function medianRun(runs: readonly Measured[]): Measured {
  return {
    wall: median(runs.map((r) => r.wall)),
    ownCpu: median(runs.map((r) => r.ownCpu)),
    engineCpu: median(runs.map((r) => r.engineCpu)),
    load: median(runs.map((r) => r.load)),
  };
}

const fmt = (m: Measured, scale = 1): string =>
  `${(m.wall * scale).toFixed(3)} s wall (CPU ${(m.ownCpu * scale).toFixed(3)} s program, ${(m.engineCpu * scale).toFixed(3)} s engine; load ${m.load.toFixed(1)})`;

function fileProgram(
  connection: ConstructorParameters<typeof HostFile>[1]["connection"],
  dir: string,
  count: number,
  prefix: string,
) {
  return async (): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const name = `${prefix}${String(i).padStart(3, "0")}`;
      new HostFile(name, { connection, path: `${dir}/${name}.conf`, content: `index=${i}\n` });
    }
  };
}

async function main(argv: string[]): Promise<void> {
  const arg = (flag: string, dflt: number): number => {
    const i = argv.indexOf(flag);
    const n = i >= 0 ? Number(argv[i + 1]) : dflt;
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${flag}: expected a positive integer, got ${argv[i + 1]}`);
    return n;
  };
  const count = arg("--files", 100);
  const runs = arg("--runs", 3);
  const parallel = argv.includes("--parallel") ? arg("--parallel", 1) : undefined;
  if (count < 2) throw new Error("--files: at least 2, so a per-file cost can be measured");
  const keep = argv.includes("--keep");

  const info = sandboxUp();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-bench-state-"));
  const key = benchKey(info, stateDir);
  const connection = {
    host: info.host,
    port: info.port,
    user: info.user,
    hostKey: info.hostKey,
    privateKey: key.privateKey,
  };
  const dir = "/etc/hemma-bench";
  const open = (stackName: string, program: () => Promise<void>): Promise<Stack> =>
    openInlineStack({ stackName, stateDir, program });
  const files = await open("bench-host-refresh", fileProgram(connection, dir, count, "f"));
  const one = await open("bench-one-file", fileProgram(connection, dir, 1, "one"));
  const empty = await open("bench-engine", async () => undefined);
  // The directory is made up front: what is measured is the refresh, not parallel directory creation.
  inSandbox(info, ["mkdir", "-p", dir]);
  try {
    process.stderr.write(
      `bench: converging ${count} + 1 HostFiles under ${dir} on ${info.host}:${info.port} (${info.container})\n`,
    );
    for (const s of [files, one, empty]) {
      const up = await s.up();
      if (up.summary.result !== "succeeded") throw new Error(`up ${s.name}: ${up.summary.result}`);
    }

    const engine: Measured[] = [];
    const oneFile: Measured[] = [];
    const noRefresh: Measured[] = [];
    const refresh: Measured[] = [];
    const connections: number[] = [];
    for (let r = 0; r < runs; r++) {
      engine.push(await measure(() => previewStack(empty)));
      oneFile.push(await measure(() => previewStack(one)));
      noRefresh.push(await measure(() => previewStack(files)));
      // journalctl --since has one-second resolution: start on a fresh second so no earlier login is counted.
      const mark = Number(inSandbox(info, ["date", "+%s"]).trim()) + 1;
      await new Promise((res) => setTimeout(res, 1100));
      let same = 0;
      refresh.push(
        await measure(async () => {
          const p = await previewStack(files, {
            refresh: true,
            expectNoChanges: true,
            ...(parallel === undefined ? {} : { parallel }),
          });
          same = p.changeSummary.same ?? 0;
        }),
      );
      // The files, the stack and the code provider (providers/dynamic-resource.ts).
      if (same !== count + 2)
        throw new Error(`the refresh was not a no-op: ${same} unchanged of ${count + 2}`);
      await new Promise((res) => setTimeout(res, 500));
      connections.push(acceptedLogins(info, mark, key.fingerprint));
      process.stderr.write(
        `bench: run ${r + 1}/${runs}: refresh ${refresh[r]!.wall.toFixed(2)} s, no refresh ${noRefresh[r]!.wall.toFixed(2)} s, load ${refresh[r]!.load.toFixed(1)}\n`,
      );
    }
    const e = medianRun(engine);
    const o = medianRun(oneFile);
    const n = medianRun(noRefresh);
    const rf = medianRun(refresh);
    const diff = (a: Measured, b: Measured, scale = 1): Measured => ({
      wall: (a.wall - b.wall) * scale,
      ownCpu: (a.ownCpu - b.ownCpu) * scale,
      engineCpu: (a.engineCpu - b.engineCpu) * scale,
      load: a.load,
    });
    const maxConnections = Math.max(...connections);
    const verdict =
      rf.wall <= TARGET_SECONDS && maxConnections <= TARGET_CONNECTIONS ? "target met" : "TARGET MISSED";
    const lines = [
      `host-refresh: ${count} HostFiles, no-op preview --refresh${parallel === undefined ? "" : ` --parallel ${parallel}`}: ${rf.wall.toFixed(2)} s wall (median of ${runs}), ` +
        `${maxConnections} SSH connection${maxConnections === 1 ? "" : "s"} (target <= ${TARGET_SECONDS} s, ${TARGET_CONNECTIONS} connection): ${verdict}; ` +
        `load average ${rf.load.toFixed(1)} on ${os.cpus().length} CPUs`,
      `  preview --refresh, ${count} files:   ${fmt(rf)}`,
      `  preview, no refresh, ${count} files: ${fmt(n)}`,
      `    engine start (no resources):   ${fmt(e)}`,
      `    provider start + first file:   ${fmt(diff(o, e))}`,
      `    per further file:              ${fmt(diff(n, o, 1 / (count - 1)))}`,
      `  host read (refresh - no refresh): ${fmt(diff(rf, n))}`,
      `  runs (refresh wall / load): ${refresh.map((m) => `${m.wall.toFixed(2)}/${m.load.toFixed(1)}`).join(", ")}`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    if (!keep) {
      for (const s of [files, one, empty]) await s.destroy();
      spawnSync("docker", ["exec", info.container, "rm", "-rf", dir]);
    }
    key.revoke();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
