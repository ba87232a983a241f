/**
 * `npm run bench:host-refresh [-- --files N] [--keep]`: the cost of the scheduled drift check.
 *
 * Converges N (default 100) `HostFile`s on the sandbox, then times a no-op
 * `preview --refresh --expect-no-changes` and counts the SSH logins sshd accepted during it
 * (read from the sandbox's journal through `docker exec`, so the count itself opens no SSH
 * connection). Target: under 10 s and one connection. Destroys the files afterwards unless
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
  const res = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(REPO_ROOT, "scripts", "sandbox.ts"), "up"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (res.status !== 0) throw new Error("npm run sandbox -- up failed");
  return readSandboxInfo(REPO_ROOT);
}

function inSandbox(info: SandboxInfo, args: string[]): string {
  const res = spawnSync("docker", ["exec", info.container, ...args], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`docker exec ${args.join(" ")} failed: ${res.stderr}`);
  return res.stdout;
}

/** SSH logins sshd accepted since `sinceEpoch` (sandbox clock, seconds). */
function acceptedLogins(info: SandboxInfo, sinceEpoch: number): number {
  const log = inSandbox(info, ["journalctl", "--unit", "ssh.service", "--since", `@${sinceEpoch}`, "--output", "cat", "--no-pager"]);
  return log.split("\n").filter((line) => line.startsWith("Accepted publickey")).length;
}

async function main(argv: string[]): Promise<void> {
  const filesArg = argv.indexOf("--files");
  const count = filesArg >= 0 ? Number(argv[filesArg + 1]) : 100;
  if (!Number.isInteger(count) || count < 1) throw new Error(`--files: expected a positive integer, got ${argv[filesArg + 1]}`);
  const keep = argv.includes("--keep");

  const info = sandboxUp();
  const connection = { host: info.host, port: info.port, user: info.user, hostKey: info.hostKey, privateKey: fs.readFileSync(info.privateKeyPath, "utf8") };
  const dir = "/etc/hemma-bench";
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-bench-state-"));
  const stack = await openInlineStack({
    stackName: "bench-host-refresh",
    stateDir,
    program: async () => {
      for (let i = 0; i < count; i++) {
        const name = `f${String(i).padStart(3, "0")}`;
        new HostFile(name, { connection, path: `${dir}/${name}.conf`, content: `index=${i}\n`, createDirectories: true });
      }
    },
  });
  try {
    process.stderr.write(`bench: converging ${count} HostFiles under ${dir} on ${info.host}:${info.port}\n`);
    const up = await stack.up();
    if (up.summary.result !== "succeeded") throw new Error(`up: ${up.summary.result}`);

    // journalctl --since has one-second resolution: start on a fresh second so no earlier login is counted.
    const mark = Number(inSandbox(info, ["date", "+%s"]).trim()) + 1;
    await new Promise((r) => setTimeout(r, 1100));
    const started = process.hrtime.bigint();
    const preview = await stack.preview({ refresh: true, expectNoChanges: true });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await new Promise((r) => setTimeout(r, 500));
    const connections = acceptedLogins(info, mark);

    const same = preview.changeSummary.same ?? 0;
    if (same !== count + 1) throw new Error(`the refresh was not a no-op: ${JSON.stringify(preview.changeSummary)}`);
    const verdict = seconds < TARGET_SECONDS && connections <= TARGET_CONNECTIONS ? "target met" : "TARGET MISSED";
    process.stdout.write(
      `host-refresh: ${count} HostFiles, no-op preview --refresh: ${seconds.toFixed(2)} s wall, ${connections} SSH connection${connections === 1 ? "" : "s"} ` +
        `(target < ${TARGET_SECONDS} s, ${TARGET_CONNECTIONS} connection): ${verdict}\n`,
    );
  } finally {
    if (!keep) {
      await stack.destroy();
      spawnSync("docker", ["exec", info.container, "rm", "-rf", dir]);
    }
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
