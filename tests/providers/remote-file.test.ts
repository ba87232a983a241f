import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sha256Hex } from "../../providers/digest";
import {
  deleteFileScript,
  NO_PARENT_EXIT,
  normalizeMode,
  parentDirectory,
  parseBackups,
  parseFileState,
  asDeclared,
  parseWriteResult,
  pathProblem,
  readFileScript,
  removeWithBackupScript,
  substituteTempPath,
  TRANSFER_MISMATCH_EXIT,
  VALIDATOR_REJECTED_EXIT,
  ON_CHANGE_FAILED_EXIT,
  writeFileScript,
  type WriteFileSpec,
} from "../../providers/remote-file";

// The scripts run here with the local bash, exactly as the host runs them after the bootstrap;
// owner and group are the test user's own so no root is needed.
const OWNER = os.userInfo().username;
const GROUP = spawnSync("id", ["-gn"], { encoding: "utf8" }).stdout.trim();

function bash(script: string, stdin = ""): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync("bash", ["-c", script], { input: stdin, encoding: "utf8" });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

let dir: string;
let regDir: string;
let reg: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-file-"));
  regDir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-reg-"));
  reg = path.join(regDir, "var", "created-directories");
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(regDir, { recursive: true, force: true });
});

function spec(target: string, content: string, extra: Partial<WriteFileSpec> = {}): WriteFileSpec {
  return {
    path: target,
    digest: sha256Hex(content),
    mode: "0640",
    owner: OWNER,
    group: GROUP,
    createDirectories: false,
    registry: reg,
    ...extra,
  };
}

const registryLines = (): string[] =>
  fs.existsSync(reg)
    ? fs
        .readFileSync(reg, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];

const modeOf = (p: string): string => (fs.statSync(p).mode & 0o7777).toString(8).padStart(4, "0");
const entries = (d: string): string[] => fs.readdirSync(d).sort();

describe("writeFileScript", () => {
  test("creates the file with content, mode and owner, and reports it was new", () => {
    const target = path.join(dir, "a.conf");
    const r = bash(writeFileScript(spec(target, "one\n")), "one\n");
    expect(r).toEqual({ code: 0, stdout: "existed=0\n", stderr: "" });
    expect(fs.readFileSync(target, "utf8")).toBe("one\n");
    expect(modeOf(target)).toBe("0640");
    expect(parseWriteResult(r.stdout)).toEqual({ existed: false, createdDirectories: [] });
    expect(entries(dir)).toEqual(["a.conf"]);
  });

  test("replaces an existing file and reports it existed", () => {
    const target = path.join(dir, "a.conf");
    fs.writeFileSync(target, "old\n");
    const r = bash(writeFileScript(spec(target, "new\n", { mode: "0600" })), "new\n");
    expect(r.code).toBe(0);
    expect(parseWriteResult(r.stdout).existed).toBe(true);
    expect(fs.readFileSync(target, "utf8")).toBe("new\n");
    expect(modeOf(target)).toBe("0600");
  });

  test("a rejecting validator leaves the old file, no temp file, and its output in stderr", () => {
    const target = path.join(dir, "a.conf");
    fs.writeFileSync(target, "old\n");
    const validate = "grep -q '^good' {} || { echo \"bad line in $(basename {})\"; exit 7; }";
    const r = bash(writeFileScript(spec(target, "bad\n", { validate })), "bad\n");
    expect(r.code).toBe(VALIDATOR_REJECTED_EXIT);
    expect(r.stderr).toMatch(
      new RegExp(
        `^validator rejected the new content of ${target} \\(exit 7\\): bad line in \\.hemma-\\w{6}-a\\.conf\\n$`,
      ),
    );
    expect(fs.readFileSync(target, "utf8")).toBe("old\n");
    expect(entries(dir)).toEqual(["a.conf"]);
  });

  test("the validator sees the new content, mode already set, at the temp path", () => {
    const target = path.join(dir, "a.conf");
    const validate = `test "$(stat -c %a {})" = 640 && grep -qx good {} && test "$(dirname {})" = ${dir}`;
    const r = bash(writeFileScript(spec(target, "good\n", { validate })), "good\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(fs.readFileSync(target, "utf8")).toBe("good\n");
  });

  test("bytes that do not match the digest never replace the file", () => {
    const target = path.join(dir, "a.conf");
    fs.writeFileSync(target, "old\n");
    const r = bash(writeFileScript(spec(target, "expected\n")), "truncated");
    expect(r.code).toBe(TRANSFER_MISMATCH_EXIT);
    expect(r.stderr).toBe(
      `content digest after transfer is ${sha256Hex("truncated")}, expected ${sha256Hex("expected\n")}\n`,
    );
    expect(fs.readFileSync(target, "utf8")).toBe("old\n");
    expect(entries(dir)).toEqual(["a.conf"]);
  });

  test("a missing parent fails unless createDirectories, which reports each directory it made", () => {
    const target = path.join(dir, "x", "y", "a.conf");
    const refused = bash(writeFileScript(spec(target, "c")), "c");
    expect(refused.code).toBe(NO_PARENT_EXIT);
    expect(refused.stderr).toBe(
      `parent directory ${path.join(dir, "x", "y")} does not exist (set createDirectories to create it)\n`,
    );
    const r = bash(writeFileScript(spec(target, "c", { createDirectories: true })), "c");
    expect(r.code).toBe(0);
    expect(parseWriteResult(r.stdout)).toEqual({
      existed: false,
      createdDirectories: [path.join(dir, "x"), path.join(dir, "x", "y")],
    });
    expect(fs.readFileSync(target, "utf8")).toBe("c");
  });

  test("a rejected first write removes the directories it had created", () => {
    const target = path.join(dir, "x", "y", "a.conf");
    const r = bash(writeFileScript(spec(target, "c", { createDirectories: true, validate: "false" })), "c");
    expect(r.code).toBe(VALIDATOR_REJECTED_EXIT);
    expect(entries(dir)).toEqual([]);
  });

  test("onChange runs after the swap; its failure is reported with the file already replaced", () => {
    const target = path.join(dir, "a.conf");
    const marker = path.join(dir, "marker");
    const ok = bash(writeFileScript(spec(target, "v1", { onChange: `cp ${target} ${marker}` })), "v1");
    expect(ok.code).toBe(0);
    expect(fs.readFileSync(marker, "utf8")).toBe("v1");
    const failed = bash(writeFileScript(spec(target, "v2", { onChange: "echo reload failed; false" })), "v2");
    expect(failed.code).toBe(ON_CHANGE_FAILED_EXIT);
    expect(failed.stderr).toBe(`on-change command for ${target} failed (exit 1): reload failed\n`);
    expect(fs.readFileSync(target, "utf8")).toBe("v2");
  });

  test("{} is replaced by the quoted temp path variable everywhere", () => {
    expect(substituteTempPath("sshd -t -f {} && cat {}", "tmp")).toBe('sshd -t -f "$tmp" && cat "$tmp"');
  });
});

describe("readFileScript / parseFileState", () => {
  test("reports digest, mode, owner and group of a regular file", () => {
    const target = path.join(dir, "a.conf");
    fs.writeFileSync(target, "hello\n");
    fs.chmodSync(target, 0o604);
    const r = bash(readFileScript(target));
    expect(r.code).toBe(0);
    expect(parseFileState(r.stdout)).toEqual({
      exists: true,
      type: "regular file",
      mode: "0604",
      owner: OWNER,
      group: GROUP,
      uid: String(process.getuid!()),
      gid: String(process.getgid!()),
      digest: sha256Hex("hello\n"),
    });
  });

  test("an owner or group declared as a number reads back as the number, a name as the name", () => {
    expect(asDeclared("101", "messagebus", "101")).toBe("101");
    expect(asDeclared("101", "messagebus", "102")).toBe("102");
    expect(asDeclared("root", "root", "0")).toBe("root");
    expect(asDeclared("nginx", "messagebus", "101")).toBe("messagebus");
  });

  test("reports a missing file as gone and a symlink without a digest", () => {
    expect(parseFileState(bash(readFileScript(path.join(dir, "nope"))).stdout)).toEqual({ exists: false });
    fs.writeFileSync(path.join(dir, "real"), "x");
    fs.symlinkSync(path.join(dir, "real"), path.join(dir, "link"));
    const state = parseFileState(bash(readFileScript(path.join(dir, "link"))).stdout);
    expect(state).toMatchObject({ exists: true, type: "symbolic link", digest: "" });
  });

  test("garbage output is an error, not a gone file", () => {
    expect(() => parseFileState("sudo: oops\n")).toThrow('cannot parse file state: "sudo: oops\\n"');
  });
});

describe("deleteFileScript", () => {
  test("removes the file and the empty directories a write created, innermost first", () => {
    const target = path.join(dir, "x", "y", "a.conf");
    expect(bash(writeFileScript(spec(target, "c", { createDirectories: true })), "c").code).toBe(0);
    expect(registryLines()).toEqual([path.join(dir, "x", "y"), path.join(dir, "x")]);
    const r = bash(deleteFileScript(target, true, reg));
    expect(r).toEqual({ code: 0, stdout: "deleted=1\n", stderr: "" });
    expect(entries(dir)).toEqual([]);
    expect(registryLines()).toEqual([]);
  });

  test("leaves an adopted file, and a created directory while it holds other files", () => {
    const target = path.join(dir, "x", "a.conf");
    expect(bash(writeFileScript(spec(target, "c", { createDirectories: true })), "c").code).toBe(0);
    fs.writeFileSync(path.join(dir, "x", "someone-elses"), "z");
    expect(bash(deleteFileScript(target, false, reg)).code).toBe(0);
    expect(entries(path.join(dir, "x"))).toEqual(["a.conf", "someone-elses"]);
    expect(bash(deleteFileScript(target, true, reg)).code).toBe(0);
    expect(entries(path.join(dir, "x"))).toEqual(["someone-elses"]);
    expect(registryLines()).toEqual([path.join(dir, "x")]);
  });

  test("never removes a directory no write created, even when empty", () => {
    fs.mkdirSync(path.join(dir, "pre"));
    const target = path.join(dir, "pre", "a.conf");
    expect(bash(writeFileScript(spec(target, "c", { createDirectories: true })), "c").stdout).toBe(
      "existed=0\n",
    );
    expect(bash(deleteFileScript(target, true, reg)).code).toBe(0);
    expect(entries(dir)).toEqual(["pre"]);
  });

  test("is idempotent when the file is already gone", () => {
    expect(bash(deleteFileScript(path.join(dir, "gone"), true, reg)).code).toBe(0);
  });

  test("concurrent writes into one new directory all succeed, and the last delete removes it", async () => {
    const run = (script: string, stdin: string): Promise<number | null> =>
      new Promise((resolve) => {
        const child = spawn("bash", ["-c", script]);
        child.on("close", resolve);
        child.stdin.end(stdin);
      });
    const targets = Array.from({ length: 8 }, (_, i) => path.join(dir, "shared", "sub", `f${i}.conf`));
    const codes = await Promise.all(
      targets.map((t, i) => run(writeFileScript(spec(t, `v${i}`, { createDirectories: true })), `v${i}`)),
    );
    expect(codes).toEqual(targets.map(() => 0));
    expect(registryLines().sort()).toEqual([path.join(dir, "shared"), path.join(dir, "shared", "sub")]);
    for (const t of [...targets].reverse()) {
      expect(bash(deleteFileScript(t, true, reg)).code).toBe(0);
    }
    expect(entries(dir)).toEqual([]);
  });
});

describe("argument checks", () => {
  test.each([
    ["/etc/hemma/a.conf", undefined],
    ["etc/a", 'path must be absolute, got "etc/a"'],
    ["/etc/a b", 'path may contain only letters, digits and ._@+:,=/- characters, got "/etc/a b"'],
    [
      "/etc/../a",
      'path must be normalized (no empty, "." or ".." segments, no trailing slash), got "/etc/../a"',
    ],
    ["/etc//a", 'path must be normalized (no empty, "." or ".." segments, no trailing slash), got "/etc//a"'],
    ["/etc/a/", 'path must be normalized (no empty, "." or ".." segments, no trailing slash), got "/etc/a/"'],
  ])("pathProblem(%j)", (p, problem) => {
    expect(pathProblem(p)).toBe(problem);
  });

  test.each([
    ["644", { mode: "0644" }],
    ["4755", { mode: "4755" }],
    ["0600", { mode: "0600" }],
    ["rw-r--r--", { problem: 'mode must be 3 or 4 octal digits like "0644", got "rw-r--r--"' }],
    ["0800", { problem: 'mode must be 3 or 4 octal digits like "0644", got "0800"' }],
  ])("normalizeMode(%j)", (m, result) => {
    expect(normalizeMode(m)).toEqual(result);
  });

  test("parentDirectory", () => {
    expect(parentDirectory("/etc/ssh/sshd_config")).toBe("/etc/ssh");
    expect(parentDirectory("/a")).toBe("/");
  });
});

describe("removeWithBackupScript", () => {
  test("copies each file (a symlink as a link) under <root>/<UTC time>/<path>, removes it, and reports the moves", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-backup-"));
    const root = path.join(dir, "backups");
    const file = path.join(dir, "etc", "x.service.d", "override.conf");
    const link = path.join(dir, "run", "x.service");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.writeFileSync(file, "[Service]\nEnvironment=A=1\n");
    fs.symlinkSync("/dev/null", link);
    const gone = path.join(dir, "already-gone.conf");
    const r = bash(removeWithBackupScript([file, link, gone], root));
    expect(r.code).toBe(0);
    const moves = parseBackups(r.stdout);
    expect(moves).toHaveLength(2);
    const [stamp] = fs.readdirSync(root);
    expect(stamp).toMatch(/^\d{8}T\d{6}Z$/);
    expect(moves).toEqual([`${file} -> ${root}/${stamp}${file}`, `${link} -> ${root}/${stamp}${link}`]);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.lstatSync(link, { throwIfNoEntry: false })).toBeUndefined();
    expect(fs.readFileSync(`${root}/${stamp}${file}`, "utf8")).toBe("[Service]\nEnvironment=A=1\n");
    expect(fs.readlinkSync(`${root}/${stamp}${link}`)).toBe("/dev/null");
    // Backups may hold secrets: root only.
    expect(fs.statSync(root).mode & 0o777).toBe(0o700);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("refuses to remove a directory", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-backup-"));
    const r = bash(removeWithBackupScript([dir], path.join(dir, "b")));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${dir} is a directory, not removing it\n`);
    expect(fs.existsSync(dir)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
