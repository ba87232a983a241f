import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A fresh temp dir; removed by {@link cleanup}. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a rendered script to `dir/name` with mode 0755; returns its path. */
export function writeScript(dir: string, name: string, content: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content, { mode: 0o755 });
  return p;
}

/** A running script: its exit as a promise, its output so far, and a kill switch. */
export interface Running {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  output(): string;
  kill(): void;
}

/** Starts `bash <script> args` with exactly `env` (plus PATH). */
export function start(script: string, args: readonly string[], env: Record<string, string>): Running {
  const started = Date.now();
  const child = spawn("bash", [script, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, ms: Date.now() - started })),
  );
  return { exited, output: () => out, kill: () => child.kill("SIGKILL") };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 50 ms until it holds; rejects with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Size of a file in bytes, 0 when it does not exist. */
export function sizeOf(p: string): number {
  return fs.existsSync(p) ? fs.statSync(p).size : 0;
}
