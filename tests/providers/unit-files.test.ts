import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  extraUnitFiles,
  listUnitFilesScript,
  parseFoundUnitFiles,
  roleOf,
  unitLookupNames,
  type FoundUnitFiles,
} from "../../providers/unit-files";

describe("unitLookupNames", () => {
  test.each<[string, { unitFiles: string[]; dropInDirs: string[] }]>([
    ["web.service", { unitFiles: ["web.service"], dropInDirs: ["web.service.d", "service.d"] }],
    [
      "hemma-db-backup.timer",
      {
        unitFiles: ["hemma-db-backup.timer"],
        dropInDirs: ["hemma-db-backup.timer.d", "hemma-db-.timer.d", "hemma-.timer.d", "timer.d"],
      },
    ],
    [
      "getty@tty1.service",
      {
        unitFiles: ["getty@tty1.service", "getty@.service"],
        dropInDirs: ["getty@tty1.service.d", "getty@.service.d", "service.d"],
      },
    ],
  ])("%s", (unit, expected) => {
    expect(unitLookupNames(unit)).toEqual(expected);
  });
});

describe("roleOf", () => {
  test.each([
    ["/etc/systemd/system/a.service", "admin"],
    ["/etc/systemd/system/a.service.d/x.conf", "admin"],
    ["/etc/systemd/system.control/a.service.d/50-CPUQuota.conf", "admin"],
    ["/usr/local/lib/systemd/system/a.service", "admin"],
    ["/run/systemd/system/a.service", "runtime"],
    ["/run/systemd/system.control/a.service.d/50-x.conf", "runtime"],
    ["/usr/lib/systemd/system/service.d/10-timeout-abort.conf", "vendor"],
    ["/lib/systemd/system/a.service", "vendor"],
    ["/run/systemd/generator/a.service", undefined],
  ])("%s is %s", (p, role) => {
    expect(roleOf(p)).toBe(role);
  });
});

describe("extraUnitFiles", () => {
  const found = (unitFiles: [string, string][], dropIns: string[]): FoundUnitFiles => ({
    unitFiles: unitFiles.map(([p, target]) => ({ path: p, target })),
    dropIns,
  });

  test("our unit: every other copy outside the vendor tree and every undeclared drop-in counts", () => {
    expect(
      extraUnitFiles(
        "web.service",
        found(
          [
            ["/etc/systemd/system/web.service", ""],
            ["/run/systemd/system/web.service", "/dev/null"],
            ["/usr/local/lib/systemd/system/web.service", ""],
            ["/usr/lib/systemd/system/web.service", ""],
          ],
          [
            "/etc/systemd/system/web.service.d/10-declared.conf",
            "/etc/systemd/system/web.service.d/override.conf",
            "/run/systemd/system/web.service.d/50-runtime.conf",
            "/etc/systemd/system.control/web.service.d/50-MemoryMax.conf",
            "/usr/lib/systemd/system/web.service.d/hand.conf",
            "/usr/lib/systemd/system/service.d/10-timeout-abort.conf",
            "/etc/systemd/system/service.d/all.conf",
          ],
        ),
        {
          ownFile: "/etc/systemd/system/web.service",
          dropIns: ["/etc/systemd/system/web.service.d/10-declared.conf"],
        },
      ),
    ).toEqual({
      unitFiles: ["/run/systemd/system/web.service", "/usr/local/lib/systemd/system/web.service"],
      dropIns: [
        "/etc/systemd/system.control/web.service.d/50-MemoryMax.conf",
        "/etc/systemd/system/service.d/all.conf",
        "/etc/systemd/system/web.service.d/override.conf",
        "/run/systemd/system/web.service.d/50-runtime.conf",
        "/usr/lib/systemd/system/web.service.d/hand.conf",
      ],
    });
  });

  test("a stock unit: its files in /etc and the vendor tree are its own; /run is a runtime change", () => {
    expect(
      extraUnitFiles(
        "ddclient.service",
        found(
          [
            ["/etc/systemd/system/ddclient.service", ""],
            ["/run/systemd/system/ddclient.service", "/dev/null"],
            ["/lib/systemd/system/ddclient.service", ""],
          ],
          [
            "/lib/systemd/system/ddclient.service.d/package.conf",
            "/etc/systemd/system/ddclient.service.d/override.conf",
          ],
        ),
        { dropIns: [] },
      ),
    ).toEqual({
      unitFiles: ["/run/systemd/system/ddclient.service"],
      dropIns: ["/etc/systemd/system/ddclient.service.d/override.conf"],
    });
  });

  test("a unit declared masked: its /etc link to /dev/null is ours, a runtime mask is not", () => {
    const files = found(
      [
        ["/etc/systemd/system/llama.service", "/dev/null"],
        ["/run/systemd/system/llama.service", "/dev/null"],
      ],
      [],
    );
    expect(extraUnitFiles("llama.service", files, { dropIns: [], masked: true }).unitFiles).toEqual([
      "/run/systemd/system/llama.service",
    ]);
  });

  test("nothing but what is declared: no extras", () => {
    expect(
      extraUnitFiles(
        "web.service",
        found([["/etc/systemd/system/web.service", ""]], ["/etc/systemd/system/web.service.d/a.conf"]),
        { ownFile: "/etc/systemd/system/web.service", dropIns: ["/etc/systemd/system/web.service.d/a.conf"] },
      ),
    ).toEqual({ unitFiles: [], dropIns: [] });
  });
});

describe("listUnitFilesScript on a tree of its own", () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-unit-files-"));
    const put = (p: string, content = "[Service]\n") => {
      fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      fs.writeFileSync(path.join(root, p), content);
    };
    put("/etc/systemd/system/a-b@x.service");
    put("/etc/systemd/system/a-b@x.service.d/10.conf");
    put("/etc/systemd/system/a-b@.service.d/20.conf");
    put("/etc/systemd/system/a-.service.d/30.conf");
    put("/etc/systemd/system/a-b@x.service.d/not-a-drop-in.txt");
    put("/usr/lib/systemd/system/service.d/10-timeout-abort.conf");
    put("/usr/lib/systemd/system/a-b@.service");
    fs.mkdirSync(path.join(root, "/run/systemd/system"), { recursive: true });
    fs.symlinkSync("/dev/null", path.join(root, "/run/systemd/system/a-b@x.service"));
    // /lib is /usr/lib on merged-/usr systems: listed once.
    fs.symlinkSync(path.join(root, "usr/lib"), path.join(root, "lib"));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test("lists every unit file (with its link target) and drop-in systemd reads, once", () => {
    const res = spawnSync("bash", ["-c", listUnitFilesScript("a-b@x.service", root).join("\n")], {
      encoding: "utf8",
    });
    expect(res.status).toBe(0);
    const found = parseFoundUnitFiles(res.stdout.split(root).join(""));
    expect(found).toEqual({
      unitFiles: [
        { path: "/etc/systemd/system/a-b@x.service", target: "" },
        { path: "/run/systemd/system/a-b@x.service", target: "/dev/null" },
        { path: "/usr/lib/systemd/system/a-b@.service", target: "" },
      ],
      dropIns: [
        "/etc/systemd/system/a-b@x.service.d/10.conf",
        "/etc/systemd/system/a-b@.service.d/20.conf",
        "/etc/systemd/system/a-.service.d/30.conf",
        "/usr/lib/systemd/system/service.d/10-timeout-abort.conf",
      ],
    });
  });
});
