import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { clearStaleLocks, processAlive } from "../../scripts/stale-lock";

function backendWithLock(lock: object): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stale-lock-"));
  const locks = path.join(dir, ".pulumi", "locks", "organization", "hemma", "dev");
  fs.mkdirSync(locks, { recursive: true });
  const file = path.join(locks, "fee24b07-14f6-48f0-9053-1b6a4ce16679.json");
  fs.writeFileSync(file, JSON.stringify(lock));
  return { dir, file };
}

describe("clearStaleLocks", () => {
  it("removes a lock of this host whose process is gone, and says so", () => {
    const { dir, file } = backendWithLock({ pid: 4242, hostname: "vm", timestamp: "2026-12-01T16:13:58Z" });
    expect(clearStaleLocks(dir, "hemma", "dev", () => false, "vm")).toEqual([
      "removed the lock left by pid 4242 at 2026-12-01T16:13:58Z: that process is gone",
    ]);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("leaves the lock of a live process or of another host", () => {
    const live = backendWithLock({ pid: 4242, hostname: "vm" });
    expect(clearStaleLocks(live.dir, "hemma", "dev", () => true, "vm")).toEqual([]);
    expect(fs.existsSync(live.file)).toBe(true);
    const other = backendWithLock({ pid: 4242, hostname: "laptop" });
    expect(clearStaleLocks(other.dir, "hemma", "dev", () => false, "vm")).toEqual([]);
    expect(fs.existsSync(other.file)).toBe(true);
  });

  it("finds nothing in a backend without locks", () => {
    expect(clearStaleLocks(fs.mkdtempSync(path.join(os.tmpdir(), "stale-lock-")), "hemma", "dev")).toEqual(
      [],
    );
  });
});

describe("processAlive", () => {
  it("knows this process and a pid that is not running", () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 1)).toBe(false);
  });
});
