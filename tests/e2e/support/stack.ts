/**
 * A throwaway stack of the real engine for one test file: its own file backend in a temp dir,
 * every line the engine prints captured for the secret-leak check.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import { DEV_PASSPHRASE, engineEnv, ensurePulumiCli, openInlineStack } from "../../../scripts/engine";

function readTree(dir: string): string {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .map((e) =>
      e.isDirectory() ? readTree(path.join(dir, e.name)) : fs.readFileSync(path.join(dir, e.name), "utf8"),
    )
    .join("\n");
}

/** A stack plus everything the engine printed while the test drove it. */
export interface TestStack {
  /** The Automation API stack. */
  readonly stack: Stack;
  /** Engine output so far (stdout of every operation run with {@link TestStack.onOutput}). */
  readonly output: string[];
  /** Pass as `onOutput` to record an operation's output. */
  readonly onOutput: (out: string) => void;
  /** Every byte the file backend persisted (checkpoints, backups, history), concatenated. */
  readonly storedState: () => string;
  /** `pulumi stack export` as a user runs it (without `--show-secrets`, unlike `Stack.exportStack`). */
  readonly exportState: () => string;
  /** Removes the stack's state directory. */
  readonly dispose: () => void;
}

/** Opens a fresh stack named `<prefix>-<time>` on a temp file backend. */
export async function testStack(prefix: string, program: PulumiFn): Promise<TestStack> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `hemma-${prefix}-state-`));
  const stackName = `${prefix}-${Date.now()}`;
  const stack = await openInlineStack({ stackName, program, stateDir });
  const output: string[] = [];
  return {
    stack,
    output,
    onOutput: (out) => output.push(out),
    storedState: () => readTree(stateDir),
    exportState: () =>
      execFileSync(ensurePulumiCli(), ["stack", "export", "--stack", stackName, "--non-interactive"], {
        cwd: stack.workspace.workDir,
        env: { ...process.env, ...engineEnv(stateDir, DEV_PASSPHRASE) },
        encoding: "utf8",
      }),
    dispose: () => fs.rmSync(stateDir, { recursive: true, force: true }),
  };
}

/** The message of a rejected engine operation (the CLI's stderr and stdout are in it). */
export async function failureOf(op: Promise<unknown>): Promise<string> {
  try {
    await op;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error("expected the engine operation to fail, and it succeeded");
}
