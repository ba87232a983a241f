import { spawnSync } from "child_process";

/** Result of running a validator. */
export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without a shell; never throws for a non-zero exit. */
export function run(
  cmd: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): RunResult {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    input: options.input,
    env: options.env ?? process.env,
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 30000,
  });
  if (r.error) throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Apt package that provides each validator (`.ci/run` installs them). */
export const VALIDATOR_PACKAGES: Readonly<Record<string, string>> = {
  "systemd-analyze": "systemd",
  shellcheck: "shellcheck",
  bash: "bash",
  initdb: "postgresql-15",
};

/** Throws a message naming the apt package when a validator is missing: such tests fail, never skip. */
export function requireTool(name: string, path?: string): void {
  const r = spawnSync("sh", ["-c", `command -v ${path ?? name}`], { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(
      `${name} is not installed; install it with: apt-get install -y ${VALIDATOR_PACKAGES[name] ?? name}`,
    );
  }
}
