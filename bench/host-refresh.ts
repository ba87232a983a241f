/**
 * `npm run bench:host-refresh [-- --files N] [--keep]`: the cost of the scheduled drift check.
 *
 * Converges N (default 100) `HostFile`s on the sandbox, then times a no-op
 * `preview --refresh --expect-no-changes` and counts the SSH logins sshd accepted during it for
 * a key made for this run alone (others may use the sandbox at the same time), read from the
 * sandbox's journal through `docker exec`, so the count itself opens no SSH connection. Target: under 10 s and one connection. Destroys the files afterwards unless
 * `--keep`. Exit codes: 0 measured (target met or not: the figure is the result); 1 the run failed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HostFile } from "../providers/host-file";
import { openInlineStack, REPO_ROOT } from "../scripts/engine";
import { readSandboxInfo, type SandboxInfo } from "../scripts/sandbox-spec";

const TARGET_SECONDS = 10;
const TARGET_CONNECTIONS = 1;

function sandboxUp(): SandboxInfo {
  const res = spawnSync(
    process.execPath,
    [
      require.resolve("ts-node/dist/bin"),
      "--transpile-only",
      path.join(REPO_ROOT, "scripts", "sandbox.ts"),
      "up",
    ],
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

async function main(argv: string[]): Promise<void> {
  const filesArg = argv.indexOf("--files");
  const count = filesArg >= 0 ? Number(argv[filesArg + 1]) : 100;
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`--files: expected a positive integer, got ${argv[filesArg + 1]}`);
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
  const stack = await openInlineStack({
    stackName: "bench-host-refresh",
    stateDir,
    program: async () => {
      for (let i = 0; i < count; i++) {
        const name = `f${String(i).padStart(3, "0")}`;
        new HostFile(name, { connection, path: `${dir}/${name}.conf`, content: `index=${i}\n` });
      }
    },
  });
  // The directory is made up front: what is measured is the refresh, not parallel directory creation.
  inSandbox(info, ["mkdir", "-p", dir]);
  try {
    process.stderr.write(`bench: converging ${count} HostFiles under ${dir} on ${info.host}:${info.port}\n`);
    const up = await stack.up();
    if (up.summary.result !== "succeeded") throw new Error(`up: ${up.summary.result}`);

    // The engine's fixed cost (start, plugin load, program run, diff) without any host read.
    const baseStart = process.hrtime.bigint();
    await stack.preview();
    const baseline = Number(process.hrtime.bigint() - baseStart) / 1e9;

    // journalctl --since has one-second resolution: start on a fresh second so no earlier login is counted.
    const mark = Number(inSandbox(info, ["date", "+%s"]).trim()) + 1;
    await new Promise((r) => setTimeout(r, 1100));
    const started = process.hrtime.bigint();
    const preview = await stack.preview({ refresh: true, expectNoChanges: true });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await new Promise((r) => setTimeout(r, 500));
    const connections = acceptedLogins(info, mark, key.fingerprint);

    const same = preview.changeSummary.same ?? 0;
    if (same !== count + 1)
      throw new Error(`the refresh was not a no-op: ${JSON.stringify(preview.changeSummary)}`);
    const verdict =
      seconds < TARGET_SECONDS && connections <= TARGET_CONNECTIONS ? "target met" : "TARGET MISSED";
    process.stdout.write(
      `host-refresh: ${count} HostFiles, no-op preview --refresh: ${seconds.toFixed(2)} s wall, ${connections} SSH connection${connections === 1 ? "" : "s"} ` +
        `(target < ${TARGET_SECONDS} s, ${TARGET_CONNECTIONS} connection): ${verdict}; ` +
        `a preview without refresh takes ${baseline.toFixed(2)} s; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs\n`,
    );
  } finally {
    if (!keep) {
      await stack.destroy();
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
