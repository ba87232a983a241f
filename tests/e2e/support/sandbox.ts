/**
 * The e2e suite's hands on the sandbox: bring it up (idempotent), and run shell as root on it
 * over plain OpenSSH, independent of the providers under test.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readSandboxInfo, sshArgs, type SandboxInfo } from "../../../scripts/sandbox-spec";
import { tsScriptArgs } from "../../../scripts/ts-script";

/** Repository root. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");

/** Runs `npm run sandbox -- up` (cheap when it is already running) and returns its connection facts. */
export function ensureSandbox(): SandboxInfo {
  const res = spawnSync(process.execPath, tsScriptArgs(path.join(ROOT, "scripts", "sandbox.ts"), ["up"]), {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (res.status !== 0)
    throw new Error(`sandbox up failed (exit ${res.status}):\n${res.stderr}${res.stdout}`);
  return readSandboxInfo(ROOT);
}

/** Result of a command on the sandbox. */
export interface HostResult {
  /** Exit code of the remote script. */
  readonly code: number;
  /** Its stdout. */
  readonly stdout: string;
  /** Its stderr. */
  readonly stderr: string;
}

/** Runs a bash `script` as root on the sandbox (ssh, then `sudo -n bash -s` reading the script on stdin). */
export function onHost(info: SandboxInfo, script: string): HostResult {
  const res = spawnSync("ssh", [...sshArgs(info), "sudo", "-n", "bash", "-s"], {
    input: script,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (res.error) throw res.error;
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** {@link onHost}, failing unless the script exits 0; returns its trimmed stdout. */
export function onHostOk(info: SandboxInfo, script: string): string {
  const r = onHost(info, script);
  if (r.code !== 0) throw new Error(`on sandbox (exit ${r.code}): ${script}\n${r.stderr}`);
  return r.stdout.trim();
}

/** The private key the sandbox's authorized_keys accepts. */
export function privateKey(info: SandboxInfo): string {
  return fs.readFileSync(info.privateKeyPath, "utf8");
}
