import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  bootstrapCommand,
  FRAME_ERROR_EXIT,
  frameStdin,
  parseKeyValues,
  shellQuote,
} from "../../providers/shell";

/** The part of the bootstrap after `sudo -n -- timeout -k 5 N`, run locally with bash. */
function innerShell(): string[] {
  const cmd = bootstrapCommand(30);
  const prefix = "sudo -n -- timeout -k 5 30 /bin/bash -c ";
  expect(cmd.startsWith(prefix)).toBe(true);
  const quoted = cmd.slice(prefix.length);
  // The argument is one single-quoted word without embedded single quotes.
  expect(quoted).toMatch(/^'[^']*'$/);
  return ["-c", quoted.slice(1, -1)];
}

describe("shellQuote", () => {
  test.each([
    ["plain", "'plain'"],
    ["it's", `'it'\\''s'`],
    ['$HOME `x` "y"', `'$HOME \`x\` "y"'`],
  ])("%j -> %s", (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
    expect(spawnSync("bash", ["-c", `printf %s ${quoted}`], { encoding: "utf8" }).stdout).toBe(word);
  });

  test("refuses NUL", () => {
    expect(() => shellQuote("a\0b")).toThrow("a shell word cannot contain a NUL byte");
  });
});

describe("parseKeyValues", () => {
  test("keeps everything after the first = and lets later keys win", () => {
    expect(parseKeyValues("a=1\nnoise\nb=x=y\na=2\n=skip\n")).toEqual({ a: "2", b: "x=y" });
  });
});

describe("bootstrap command and stdin framing", () => {
  test("the command line is fixed: sudo -n, a remote timeout, no script or data", () => {
    expect(bootstrapCommand(120)).toBe(
      `sudo -n -- timeout -k 5 120 /bin/bash -c 'export LC_ALL=C; IFS= read -r -d "" hemma_script || exit 97; eval "$hemma_script"'`,
    );
    expect(() => bootstrapCommand(0)).toThrow("timeoutSeconds must be a positive integer, got 0");
  });

  test("bash runs the framed script and the payload after the NUL reaches it byte for byte", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-frame-"));
    const out = path.join(dir, "out");
    const payload = "line 1\nit's $HOME `x`\n\\backslash\n\nno trailing newline";
    const script = `set -e\ncat > ${shellQuote(out)}\necho "status=ok"\n`;
    const res = spawnSync("bash", innerShell(), { input: frameStdin(script, payload), encoding: "utf8" });
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
    expect(res.stdout).toBe("status=ok\n");
    expect(fs.readFileSync(out, "utf8")).toBe(payload);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a script cut off before its NUL is not run", () => {
    const res = spawnSync("bash", innerShell(), {
      input: Buffer.from("echo should-not-run"),
      encoding: "utf8",
    });
    expect(res.status).toBe(FRAME_ERROR_EXIT);
    expect(res.stdout).toBe("");
  });

  test("frameStdin is script, NUL, payload", () => {
    expect([...frameStdin("ab", "c")]).toEqual([0x61, 0x62, 0, 0x63]);
    expect([...frameStdin("ab")]).toEqual([0x61, 0x62, 0]);
    expect(() => frameStdin("a\0b")).toThrow("a remote script cannot contain a NUL byte");
  });
});
