/**
 * A `pulumi up` killed outright (SIGKILL, a lost terminal) leaves its lock in a file backend, and
 * every later run then refuses to start until someone runs `pulumi cancel`. A lock whose process
 * is known to be gone (same host, pid not running) cannot protect anything: it is removed, and
 * said so. A lock of a live process, or of another host, is left alone.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** What a file backend's lock file holds. */
interface LockInfo {
  readonly pid?: number;
  readonly hostname?: string;
  readonly timestamp?: string;
}

/** Whether a process with this pid runs on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the stale locks of `project`/`stack` in the file backend at `stateDir`; returns one
 * line per lock removed (`removed the lock left by pid N at <time>, that process is gone`).
 */
export function clearStaleLocks(
  stateDir: string,
  project: string,
  stack: string,
  alive: (pid: number) => boolean = processAlive,
  hostname: string = os.hostname(),
): string[] {
  const dir = path.join(stateDir, ".pulumi", "locks", "organization", project, stack);
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".json"))) {
    const file = path.join(dir, name);
    let lock: LockInfo;
    try {
      lock = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
    } catch {
      continue;
    }
    if (lock.hostname !== hostname || typeof lock.pid !== "number" || alive(lock.pid)) continue;
    fs.rmSync(file, { force: true });
    removed.push(
      `removed the lock left by pid ${lock.pid} at ${lock.timestamp ?? "an unknown time"}: that process is gone`,
    );
  }
  return removed;
}
