import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RenderedFile } from "../../../render/types";
import { run, type RunResult } from "./tools";

/**
 * Units hemma has from packages (not rendered by us) that our units name. Each gets a stub so
 * `systemd-analyze verify --root` can resolve it; a misspelt dependency still fails.
 */
export const EXTERNAL_UNITS: Readonly<Record<string, string>> = {
  "snap.docker.dockerd.service": "[Service]\nExecStart=/usr/bin/true\n",
  "docker.service": "[Service]\nExecStart=/usr/bin/true\n",
  // kdump-tools' dump service; our drop-ins replace its ExecStart and add the watchdog arm.
  "kdump-tools-dump.service":
    "[Service]\nType=oneshot\nExecStart=/usr/sbin/kdump-config savecore\nRemainAfterExit=yes\n",
};

/** Programs hemma has from packages that our units execute; stubbed (executable) in the verify root. */
export const EXTERNAL_BINARIES: readonly string[] = [
  "/usr/bin/true",
  "/usr/bin/echo",
  "/usr/bin/sh",
  "/usr/bin/timeout",
  "/usr/sbin/modprobe",
  "/usr/sbin/kdump-config",
  "/snap/bin/docker",
  "/usr/bin/docker",
  "/usr/local/bin/tabby",
  "/opt/rocm/bin/rocm-smi",
];

/**
 * A scratch root for `systemd-analyze verify --root`: the installed stock units (targets etc.),
 * usr-merged `/bin` and `/sbin` as on Ubuntu, stub package units and binaries, and our files.
 */
export function buildVerifyRoot(files: readonly RenderedFile[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-verify-"));
  fs.mkdirSync(path.join(root, "usr/lib/systemd"), { recursive: true });
  execFileSync("cp", ["-a", "/lib/systemd/system", path.join(root, "usr/lib/systemd/")]);
  for (const d of ["bin", "sbin"]) {
    fs.mkdirSync(path.join(root, "usr", d), { recursive: true });
    fs.symlinkSync(`usr/${d}`, path.join(root, d));
  }
  for (const bin of EXTERNAL_BINARIES) writeFile(root, bin, "#!/bin/sh\nexit 0\n", 0o755);
  for (const [name, content] of Object.entries(EXTERNAL_UNITS))
    writeFile(root, `/etc/systemd/system/${name}`, content, 0o644);
  for (const f of files) writeFile(root, f.path, f.content, parseInt(f.mode, 8));
  return root;
}

function writeFile(root: string, p: string, content: string, mode: number): void {
  const target = path.join(root, p);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content);
  fs.chmodSync(target, mode);
}

/**
 * The units to verify for a set of rendered files: every rendered unit file, plus the unit each
 * rendered drop-in extends (so drop-ins are checked as systemd merges them).
 */
export function unitsToVerify(files: readonly RenderedFile[]): string[] {
  const names = new Set<string>();
  for (const f of files) {
    const m = /^\/etc\/systemd\/system\/([^/]+?)(\.d\/[^/]+\.conf)?$/.exec(f.path);
    if (f.kind === "unit" && m) names.add(m[1]!);
  }
  return [...names].sort();
}

/** `systemd-analyze verify --root=<root> <units>`. */
export function verifyUnits(root: string, units: readonly string[]): RunResult {
  return run("systemd-analyze", ["verify", `--root=${root}`, ...units], { timeoutMs: 60000 });
}

/** Every `OnCalendar=` value in the rendered units. */
export function calendarExpressions(files: readonly RenderedFile[]): string[] {
  return files.flatMap((f) => [...f.content.matchAll(/^OnCalendar=(.+)$/gm)].map((m) => m[1]!));
}
