/** The run's temporary directory: where it goes, and that this run uses it. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createRunTempDir, RUN_TMPDIR_ENV, runTempParent, tmpfsParent } from "./run-temp-dir";

const line = (mountPoint: string, fsType: string, options: string): string =>
  `${fsType === "tmpfs" ? "tmpfs" : "/dev/vda"} ${mountPoint} ${fsType} ${options} 0 0`;

describe("tmpfsParent", () => {
  it.each([
    ["a read-write tmpfs", [line("/dev/shm", "tmpfs", "rw,nosuid,nodev,relatime")], "/dev/shm"],
    ["a read-only tmpfs", [line("/dev/shm", "tmpfs", "ro,relatime")], undefined],
    [
      "a noexec tmpfs (tests run scripts they write)",
      [line("/dev/shm", "tmpfs", "rw,nosuid,nodev,noexec")],
      undefined,
    ],
    ["/dev/shm on a disk", [line("/dev/shm", "ext4", "rw,relatime")], undefined],
    ["no /dev/shm, only another tmpfs", [line("/run", "tmpfs", "rw"), line("/", "ext4", "rw")], undefined],
    ["nothing readable", [], undefined],
  ])("%s", (_name, lines, expected) => {
    expect(tmpfsParent([line("/", "ext4", "rw,relatime"), ...lines].join("\n"))).toBe(expected);
  });
});

describe("runTempParent", () => {
  it("falls back to the usual temp directory when the mounts cannot be read", () => {
    expect(
      runTempParent(() => {
        throw new Error("ENOENT");
      }),
    ).toBe(os.tmpdir());
  });
});

describe("createRunTempDir", () => {
  it("makes a fresh directory others may enter and write, sticky like /tmp", () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-run-parent-"));
    const dir = createRunTempDir(parent);
    expect(path.dirname(dir)).toBe(parent);
    expect(fs.statSync(dir).mode & 0o7777).toBe(0o1777);
    fs.rmSync(parent, { recursive: true, force: true });
  });
});

describe("this run", () => {
  it("gives every test file, and what it starts, the run's directory as TMPDIR", () => {
    const dir = process.env[RUN_TMPDIR_ENV];
    expect(dir).toMatch(/[\\/]hemma-test-[^/\\]+$/);
    expect(os.tmpdir()).toBe(dir);
    expect(fs.statSync(dir!).isDirectory()).toBe(true);
  });
});
