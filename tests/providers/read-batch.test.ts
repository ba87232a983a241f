import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { HostConnectionState } from "../../providers/host-connection";
import {
  BURST_MAX_WAIT_MS,
  BURST_QUIET_MS,
  batchScript,
  parseBatchOutput,
  parseReadAhead,
  READ_AHEAD_MAX_BYTES,
  READ_AHEAD_MAX_ENTRIES,
  READ_AHEAD_TTL_MS,
  readFileStateBatched,
  runRemoteRead,
  runRemoteReadChecked,
} from "../../providers/read-batch";
import { readFileScript } from "../../providers/remote-file";
import { noteHostChange, type RemoteResult } from "../../providers/ssh-pool";

// The batches go through runRemote; here a local bash stands in for the host (Jest hoists the mock).
const mockCalls: string[] = [];
jest.mock("../../providers/ssh-pool", () => {
  const actual = jest.requireActual("../../providers/ssh-pool");
  return {
    ...actual,
    runRemote: jest.fn(async (_conn: unknown, _label: string, script: string): Promise<RemoteResult> => {
      mockCalls.push(script);
      const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    }),
  };
});

const conn: HostConnectionState = {
  host: "127.0.0.1",
  port: 2222,
  user: "paunchygent",
  hostKey: "ssh-ed25519 AAAA",
  privateKey: "KEY",
  connectTimeoutSeconds: 10,
  commandTimeoutSeconds: 120,
};

beforeEach(() => {
  mockCalls.length = 0;
});

// The queue remembers the last batch for BURST_MAX_WAIT_MS: each test starts without that memory.
afterEach(() => new Promise((r) => setTimeout(r, BURST_MAX_WAIT_MS)));

describe("batchScript and parseBatchOutput", () => {
  test("each script's exit code, stdout and stderr come back apart, bytes intact", () => {
    const scripts = [
      "echo one; echo err >&2",
      "exit 3",
      "printf 'no newline'",
      // Not UTF-8, an empty line, and a NUL: the byte counts must still hold.
      "printf '\\377\\376\\n\\n\\000x'",
      "printf 'hemma-batch 9 0 0 0\\n'",
      "",
      "read -r x || echo stdin-is-empty",
    ];
    const res = spawnSync("bash", ["-c", batchScript(scripts)], { encoding: "utf8" });
    expect(res.status).toBe(0);
    const results = parseBatchOutput(res.stdout, scripts.length);
    expect(results.map((r) => r.code)).toEqual([0, 3, 0, 0, 0, 0, 0]);
    expect(results[0]).toEqual({ code: 0, stdout: "one\n", stderr: "err\n" });
    expect(results[2]!.stdout).toBe("no newline");
    expect(Buffer.from(results[3]!.stdout, "utf8").length).toBeGreaterThan(0);
    expect(results[3]!.stdout.endsWith("\n\n\u0000x")).toBe(true);
    expect(results[4]!.stdout).toBe("hemma-batch 9 0 0 0\n");
    expect(results[5]).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(results[6]!.stdout).toBe("stdin-is-empty\n");
  });

  test("a file's state reads exactly as readFileScript prints it, for the whole batch at once", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-batch-files-"));
    const files = ["plain.conf", "script.sh", "link", "dir", "missing"].map((f) => path.join(dir, f));
    fs.writeFileSync(files[0]!, "a=1\n");
    fs.writeFileSync(files[1]!, "#!/bin/sh\n", { mode: 0o750 });
    fs.symlinkSync(files[0]!, files[2]!);
    fs.mkdirSync(files[3]!);
    // The remote bootstrap runs every script with LC_ALL=C (providers/shell.ts); so do both here.
    const env = { ...process.env, LC_ALL: "C" };
    try {
      const res = spawnSync("bash", ["-c", batchScript(["echo s"], files)], { encoding: "utf8", env });
      expect(res.status).toBe(0);
      const results = parseBatchOutput(res.stdout, 1, files);
      expect(results[0]!.stdout).toBe("s\n");
      files.forEach((f, i) => {
        const one = spawnSync("bash", ["-c", readFileScript(f)], { encoding: "utf8", env });
        expect(results[i + 1]).toEqual({ code: 0, stdout: one.stdout, stderr: "" });
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("files alone stream their states without a temp directory, in the same form", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-batch-files-"));
    const files = ["a.conf", "missing"].map((f) => path.join(dir, f));
    fs.writeFileSync(files[0]!, "a=1\n", { mode: 0o640 });
    const env = { ...process.env, LC_ALL: "C" };
    try {
      const script = batchScript([], files);
      expect(script).not.toContain("mktemp");
      const res = spawnSync("bash", ["-c", script], { encoding: "utf8", env });
      expect(res.status).toBe(0);
      const results = parseBatchOutput(res.stdout, 0, files);
      files.forEach((f, i) => {
        const one = spawnSync("bash", ["-c", readFileScript(f)], { encoding: "utf8", env });
        expect(results[i]).toEqual({ code: 0, stdout: one.stdout, stderr: "" });
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("read ahead: every entry of a directory as readFileScript prints it, NUL-separated names kept apart", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-batch-ahead-"));
    const big = path.join(dir, "big.bin");
    // A name may hold a newline and tabs (never a slash or NUL).
    const crafted = "x\nS\ty\tregular file\t777";
    fs.writeFileSync(path.join(dir, "a.conf"), "a=1\n");
    fs.writeFileSync(path.join(dir, ".hidden"), "h\n", { mode: 0o600 });
    fs.writeFileSync(path.join(dir, crafted), "spoof\n");
    fs.writeFileSync(big, Buffer.alloc(READ_AHEAD_MAX_BYTES + 1));
    fs.symlinkSync(path.join(dir, "a.conf"), path.join(dir, "link"));
    fs.mkdirSync(path.join(dir, "sub"));
    const crowded = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-batch-crowded-"));
    for (let i = 0; i <= READ_AHEAD_MAX_ENTRIES; i++) fs.writeFileSync(path.join(crowded, `f${i}`), "");
    const env = { ...process.env, LC_ALL: "C" };
    try {
      const res = spawnSync("bash", ["-c", batchScript([], [path.join(dir, "a.conf")], [dir, crowded])], {
        encoding: "utf8",
        env,
      });
      expect(res.status).toBe(0);
      // The files section is unchanged by what follows it.
      const one = (f: string) =>
        spawnSync("bash", ["-c", readFileScript(f)], { encoding: "utf8", env }).stdout;
      expect(parseBatchOutput(res.stdout, 0, [path.join(dir, "a.conf")])[0]!.stdout).toBe(
        one(path.join(dir, "a.conf")),
      );
      const ahead = parseReadAhead(res.stdout);
      for (const name of ["a.conf", ".hidden", "link", "sub"])
        expect([name, ahead.get(path.join(dir, name))]).toEqual([name, one(path.join(dir, name))]);
      // Too large to hash ahead; read when asked.
      expect(ahead.has(big)).toBe(false);
      // A name holding a newline and tabs is not read ahead (its read asks the host), and forges nothing.
      expect([...ahead.keys()].sort()).toEqual(
        [".hidden", "a.conf", "link", "sub"].map((n) => path.join(dir, n)).sort(),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(crowded, { recursive: true, force: true });
    }
  });

  test("output cut short is an error, not a wrong answer", () => {
    const res = spawnSync("bash", ["-c", batchScript(["echo a", "echo b"])], { encoding: "utf8" });
    const bytes = Buffer.from(res.stdout.trim(), "base64");
    const cut = bytes.subarray(0, bytes.length - 1).toString("base64");
    expect(() => parseBatchOutput(cut, 2)).toThrow("batched read: output of script 1 of 2 is cut short");
    expect(() => parseBatchOutput(res.stdout, 3)).toThrow("batched read: output of script 2 of 3 is missing");
  });
});

describe("runRemoteRead", () => {
  test("reads issued in the same tick share one remote run; a lone read runs as it is", async () => {
    const results = await Promise.all([
      runRemoteRead(conn, "echo a"),
      runRemoteRead(conn, "echo b; exit 4"),
      runRemoteRead(conn, "echo c >&2"),
    ]);
    expect(mockCalls).toHaveLength(1);
    expect(results).toEqual([
      { code: 0, stdout: "a\n", stderr: "" },
      { code: 4, stdout: "b\n", stderr: "" },
      { code: 0, stdout: "", stderr: "c\n" },
    ]);
    expect(await runRemoteRead(conn, "echo alone")).toEqual({ code: 0, stdout: "alone\n", stderr: "" });
    expect(mockCalls[1]).toBe("echo alone");
  });

  test("reads arriving while a batch runs go out together in the next one", async () => {
    const first = runRemoteRead(conn, "echo 1");
    while (mockCalls.length === 0) await new Promise((r) => setTimeout(r, 1));
    const later = [runRemoteRead(conn, "echo 2"), runRemoteRead(conn, "echo 3")];
    expect((await first).stdout).toBe("1\n");
    expect((await Promise.all(later)).map((r) => r.stdout)).toEqual(["2\n", "3\n"]);
    expect(mockCalls).toHaveLength(2);
  });

  test("once a batch is answered, the next waits for as many reads as were in flight", async () => {
    // Three in flight, answered together; the engine then sends three more, a few ms apart each.
    expect(4 * BURST_QUIET_MS).toBeLessThan(BURST_MAX_WAIT_MS);
    await Promise.all([
      runRemoteRead(conn, "echo 1"),
      runRemoteRead(conn, "echo 2"),
      runRemoteRead(conn, "echo 3"),
    ]);
    const after = (ms: number, script: string) =>
      new Promise<RemoteResult>((resolve) => setTimeout(() => resolve(runRemoteRead(conn, script)), ms));
    const next = await Promise.all([
      after(0, "echo 4"),
      after(2 * BURST_QUIET_MS, "echo 5"),
      after(4 * BURST_QUIET_MS, "echo 6"),
    ]);
    expect(next.map((r) => r.stdout)).toEqual(["4\n", "5\n", "6\n"]);
    expect(mockCalls).toHaveLength(2);
  });

  test("file states and scripts of one tick share the remote run", async () => {
    const [script, file] = await Promise.all([
      runRemoteRead(conn, "echo a"),
      readFileStateBatched(conn, "/nonexistent/x"),
    ]);
    expect(mockCalls).toHaveLength(1);
    expect(script.stdout).toBe("a\n");
    expect(file).toEqual({ code: 0, stdout: "exists=0\n", stderr: "" });
  });

  test("runRemoteReadChecked names the step and the host when a read fails", async () => {
    await expect(runRemoteReadChecked(conn, "read /etc/x", "echo nope >&2; exit 2")).rejects.toThrow(
      "read /etc/x on 127.0.0.1:2222 failed (exit 2): nope",
    );
  });
});

describe("read ahead", () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-read-ahead-"));
    for (const name of ["a", "b", "c"]) fs.writeFileSync(file(name), `${name}\n`);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const fresh = (f: string) => spawnSync("bash", ["-c", readFileScript(f)], { encoding: "utf8" }).stdout;

  test("a file read with its directory answers the later read of a sibling without a remote run, once", async () => {
    expect((await readFileStateBatched(conn, file("a"))).stdout).toBe(fresh(file("a")));
    expect(mockCalls).toHaveLength(1);
    expect(await readFileStateBatched(conn, file("b"))).toEqual({
      code: 0,
      stdout: fresh(file("b")),
      stderr: "",
    });
    expect(mockCalls).toHaveLength(1);
    // Used once: the next read of b asks the host (its directory was read ahead a moment ago).
    fs.writeFileSync(file("b"), "changed\n");
    expect((await readFileStateBatched(conn, file("b"))).stdout).toBe(fresh(file("b")));
    expect(mockCalls).toHaveLength(2);
    expect(mockCalls[1]).not.toContain("hemma-ahead");
  });

  test("a change made through this process on the host, or the time passed, voids what was read ahead", async () => {
    await readFileStateBatched(conn, file("a"));
    noteHostChange(conn);
    fs.writeFileSync(file("b"), "written by a provider\n");
    expect((await readFileStateBatched(conn, file("b"))).stdout).toBe(fresh(file("b")));
    expect(mockCalls).toHaveLength(2);

    const now = Date.now();
    jest.spyOn(Date, "now").mockReturnValue(now + 10 * READ_AHEAD_TTL_MS);
    await readFileStateBatched(conn, file("a"));
    jest.spyOn(Date, "now").mockReturnValue(now + 12 * READ_AHEAD_TTL_MS);
    fs.writeFileSync(file("c"), "later\n");
    expect((await readFileStateBatched(conn, file("c"))).stdout).toBe(fresh(file("c")));
    expect(mockCalls).toHaveLength(4);
  });
});
