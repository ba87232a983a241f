/**
 * Keeps the local Cloudflare API running for a sandbox: runs `cli.ts` with the arguments it was
 * given and starts it again after any exit it did not ask for, waiting 1 s, doubling to at most
 * 30 s while the API keeps failing within a minute of its start. SIGTERM or SIGINT stops the API
 * (it saves its state on every change) and then the supervisor, with exit code 0.
 *
 * Started detached by `npm run sandbox -- up` (scripts/sandbox-cloudflare.ts) as
 * `node -r runtime/ts-loader.js supervise.ts <cli arguments>`; the child inherits the
 * environment, so tokens passed with `--tokens-from-env` never reach a command line.
 */
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";

/** Delay before the next start after `failures` quick exits in a row: 1 s, doubling, at most 30 s. */
export function restartDelayMs(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));
}

/** A run that lasted this long counts as healthy: the next failure starts the back-off again. */
export const HEALTHY_RUN_MS = 60_000;

function log(message: string): void {
  process.stderr.write(`cloudflare-api supervisor: ${message}\n`);
}

/** Runs the supervisor until SIGTERM/SIGINT; resolves with the exit code. */
export function supervise(cliArgs: readonly string[]): Promise<number> {
  const cli = path.join(__dirname, "cli.ts");
  let child: ChildProcess | undefined;
  let stopping = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  return new Promise<number>((resolve) => {
    const start = (): void => {
      const startedAt = Date.now();
      child = spawn(process.execPath, [...process.execArgv, cli, ...cliArgs], { stdio: "inherit" });
      child.on("exit", (code, signal) => {
        child = undefined;
        if (stopping) return resolve(0);
        failures = Date.now() - startedAt >= HEALTHY_RUN_MS ? 1 : failures + 1;
        const delay = restartDelayMs(failures);
        log(`the API exited (${signal ?? `code ${code}`}); starting it again in ${delay / 1000} s`);
        timer = setTimeout(start, delay);
      });
    };
    const stop = (): void => {
      stopping = true;
      if (timer !== undefined) clearTimeout(timer);
      if (child === undefined) resolve(0);
      else child.kill("SIGTERM");
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    start();
  });
}

if (require.main === module) {
  void supervise(process.argv.slice(2)).then((code) => process.exit(code));
}
