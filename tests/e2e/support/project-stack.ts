/**
 * The dev stack of this checkout on a sandbox of one test file's own, driven the way users drive
 * it: `npm run sandbox -- up` with its own name and ports, then the real `pulumi` CLI on the
 * project directory (`pulumi up --stack dev`, language host, `index.ts`), `npm run drift`, on a
 * file backend in a temp dir. The sandbox's overrides file reaches the program through
 * `HEMMA_OVERRIDES_FILE`, so the tracked `Pulumi.dev.yaml` is what runs, unchanged.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEV_PASSPHRASE, engineEnv, ensurePulumiCli } from "../../../scripts/engine";
import { readSandboxInfo, sandboxDir, type SandboxInfo } from "../../../scripts/sandbox-spec";
import { DEV_OVERRIDES_FILE } from "../../../scripts/sandbox-overrides";
import { ROOT } from "./sandbox";
import { parse, stringify } from "yaml";
import { mergeValues } from "../../../config/overrides";
import { tsScriptArgs } from "../../../scripts/ts-script";

/** Output of a finished command. */
export interface Ran {
  /** Exit code (-1 when killed by a signal). */
  readonly code: number;
  /** stdout. */
  readonly stdout: string;
  /** stderr. */
  readonly stderr: string;
}

/** A sandbox of its own with the dev stack on a private backend. */
export interface ProjectStack {
  /** The sandbox's connection facts and ports. */
  readonly info: SandboxInfo;
  /** The overrides file the program reads (`HEMMA_OVERRIDES_FILE`); a test may add keys to it. */
  readonly overridesFile: string;
  /** Environment of every CLI run: backend, passphrase, CLI on PATH, overrides. */
  readonly env: NodeJS.ProcessEnv;
  /** Directory of the stack's file backend (its stored state, history and backups). */
  readonly stateDir: string;
  /** Runs the `pulumi` CLI in the project directory (e.g. `["up", "--stack", "dev", "--yes"]`). */
  pulumi(args: string[], timeoutMs?: number): Ran;
  /**
   * Starts the `pulumi` CLI without blocking this process (so a load generator keeps running):
   * the child, to signal it, and its outcome.
   */
  pulumiAsync(args: string[]): { child: ChildProcess; done: Promise<Ran> };
  /** Starts `npm run up -- dev` the same way, with this stack's backend and overrides. */
  npmUpAsync(): { child: ChildProcess; done: Promise<Ran> };
  /** Adds or replaces keys in the overrides file (e.g. `hemma:app` → `{ commit }`); mappings merge. */
  override(values: Record<string, unknown>): void;
  /** Runs `npm run drift -- dev` as a user would, with this stack's backend. */
  drift(): Ran;
  /** Runs bash as root inside the sandbox container (`docker exec`, independent of SSH). */
  sh(script: string, timeoutMs?: number): Ran;
  /** {@link sh}, failing unless it exits 0; returns trimmed stdout. */
  shOk(script: string, timeoutMs?: number): string;
  /** `npm run sandbox -- down` for the sandbox (its local Cloudflare API, container and network), then its files and the backend. */
  remove(): void;
}

function finished(r: SpawnSyncReturns<string>): Ran {
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/**
 * Starts sandbox `hemma-sandbox-<label>-<random>` (images and app repository loaded) and a fresh
 * stack `dev` for it. `env` is added to every CLI and drift run (e.g. `HEMMA_SKIP_LAYERS`).
 */
export function startProjectStack(
  label: string,
  extraEnv: Readonly<Record<string, string>> = {},
): ProjectStack {
  const container = `hemma-sandbox-${label}-${randomBytes(3).toString("hex")}`;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `hemma-${label}-state-`));
  const dir = sandboxDir(ROOT, container);
  const sandbox = (command: string, env: NodeJS.ProcessEnv = {}, timeout = 120_000) =>
    spawnSync(process.execPath, tsScriptArgs(path.join(ROOT, "scripts", "sandbox.ts"), [command]), {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, HEMMA_SANDBOX_NAME: container, ...env },
      timeout,
    });
  const remove = (): void => {
    // `down` stops the sandbox's local Cloudflare API too; the docker commands cover a half-made sandbox.
    sandbox("down");
    spawnSync("docker", ["rm", "--force", "--volumes", container]);
    spawnSync("docker", ["network", "rm", container]);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    // A free SSH port; the web ports are picked free by `sandbox up` for a named sandbox.
    const up = sandbox("up", { HEMMA_SANDBOX_PORT: String(freePort()) }, 900_000);
    if (up.status !== 0) throw new Error(`sandbox up ${container} failed:\n${up.stderr}`);
    const info = readSandboxInfo(ROOT, container);
    const overridesFile = path.join(dir, DEV_OVERRIDES_FILE);
    const cli = ensurePulumiCli();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...engineEnv(stateDir, DEV_PASSPHRASE),
      PATH: `${path.dirname(cli)}${path.delimiter}${process.env.PATH ?? ""}`,
      HEMMA_OVERRIDES_FILE: overridesFile,
      ...extraEnv,
    };
    const pulumi = (args: string[], timeoutMs = 900_000): Ran =>
      finished(
        spawnSync(cli, [...args, "--non-interactive", "--color", "never"], {
          cwd: ROOT,
          env,
          encoding: "utf8",
          timeout: timeoutMs,
          maxBuffer: 256 * 1024 * 1024,
        }),
      );
    const created = pulumi(["stack", "init", "dev"]);
    if (created.code !== 0) throw new Error(`pulumi stack init dev failed:\n${created.stderr}`);
    const sh = (script: string, timeoutMs = 300_000): Ran =>
      finished(
        spawnSync("docker", ["exec", "-i", container, "bash", "-s"], {
          input: `set -uo pipefail\n${script}`,
          encoding: "utf8",
          timeout: timeoutMs,
          maxBuffer: 64 * 1024 * 1024,
        }),
      );
    const runAsync = (cmd: string, args: string[]): { child: ChildProcess; done: Promise<Ran> } => {
      const child = spawn(cmd, args, { cwd: ROOT, env });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => err.push(d));
      const done = new Promise<Ran>((resolve) =>
        child.on("close", (code) =>
          resolve({
            code: code ?? -1,
            stdout: Buffer.concat(out).toString("utf8"),
            stderr: Buffer.concat(err).toString("utf8"),
          }),
        ),
      );
      return { child, done };
    };
    const pulumiAsync = (args: string[]) => runAsync(cli, [...args, "--non-interactive", "--color", "never"]);
    const npmUpAsync = () =>
      runAsync(process.execPath, tsScriptArgs(path.join(ROOT, "scripts", "up.ts"), ["dev"]));
    const override = (values: Record<string, unknown>): void => {
      const doc = parse(fs.readFileSync(overridesFile, "utf8")) as { config: Record<string, unknown> };
      doc.config = mergeValues(doc.config, values) as Record<string, unknown>;
      fs.writeFileSync(overridesFile, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
    };
    return {
      info,
      overridesFile,
      env,
      stateDir,
      pulumi,
      pulumiAsync,
      npmUpAsync,
      override,
      drift: () =>
        finished(
          spawnSync(process.execPath, tsScriptArgs(path.join(ROOT, "scripts", "drift.ts"), ["dev"]), {
            cwd: ROOT,
            env,
            encoding: "utf8",
            timeout: 600_000,
            maxBuffer: 64 * 1024 * 1024,
          }),
        ),
      sh,
      shOk: (script, timeoutMs) => {
        const r = sh(script, timeoutMs);
        if (r.code !== 0)
          throw new Error(`in ${container} (exit ${r.code}): ${script}\n${r.stderr}${r.stdout}`);
        return r.stdout.trim();
      },
      remove,
    };
  } catch (err) {
    remove();
    throw err;
  }
}

/** A TCP port nothing listens on at 127.0.0.1 right now (asked of the kernel in a child process, synchronously). */
function freePort(): number {
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
    ],
    { encoding: "utf8" },
  );
  return Number(r.stdout.trim());
}
