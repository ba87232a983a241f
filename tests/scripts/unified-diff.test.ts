import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { unifiedDiff } from "../../scripts/unified-diff";

/** What GNU `diff -u` prints for the same texts and labels (without its trailing newline). */
function gnuDiff(a: string, b: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-diff-"));
  fs.writeFileSync(path.join(dir, "a"), a);
  fs.writeFileSync(path.join(dir, "b"), b);
  const r = spawnSync("diff", ["-u", "--label", "declared", "--label", "live", "a", "b"], {
    cwd: dir,
    encoding: "utf8",
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return r.stdout === "" ? [] : r.stdout.replace(/\n$/, "").split("\n");
}

const lines = (n: number, f: (i: number) => string = (i) => `line ${i}`): string =>
  Array.from({ length: n }, (_, i) => `${f(i + 1)}\n`).join("");

describe("unifiedDiff prints what diff -u prints", () => {
  test.each<[string, string, string]>([
    ["one line edited", "greeting=hello\nport=8080\n", "greeting=edited by hand\nport=8080\n"],
    ["a line added at the end", "a\nb\n", "a\nb\nc\n"],
    ["a line removed at the start", "a\nb\nc\n", "b\nc\n"],
    ["into an empty file", "", "a\nb\n"],
    ["everything removed", "a\nb\n", ""],
    ["the final newline lost", "a\nb\n", "a\nb"],
    ["the final newline added", "a\nb", "a\nb\n"],
    [
      "two changes far apart: two hunks",
      lines(30),
      lines(30, (i) => (i === 3 || i === 27 ? `changed ${i}` : `line ${i}`)),
    ],
    [
      "two changes close together: one hunk",
      lines(30),
      lines(30, (i) => (i === 10 || i === 15 ? `changed ${i}` : `line ${i}`)),
    ],
    [
      "a drop-in's [Service] section",
      "[Service]\nExecStart=/usr/local/bin/tick\nRestart=on-failure\n",
      "[Service]\nExecStart=/usr/local/bin/tick --fast\nRestart=always\nEnvironment=X=1\n",
    ],
  ])("%s", (_case, a, b) => {
    expect(unifiedDiff(a, b, "declared", "live")).toEqual(gnuDiff(a, b));
  });

  test("equal texts: no diff at all", () => {
    expect(unifiedDiff("a\n", "a\n", "declared", "live")).toEqual([]);
  });
});

describe("unifiedDiff on texts where several alignments are right", () => {
  /** Applies a unified diff to `a`, as `patch` would. */
  function apply(a: string, diff: readonly string[]): string {
    const src = a === "" ? [] : a.replace(/\n$/, "").split("\n");
    const out: string[] = [];
    let at = 0;
    for (let k = 2; k < diff.length; k++) {
      const m = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(diff[k]!);
      if (m) {
        const start = Number(m[2] === "0" ? Number(m[1]) : Number(m[1]) - 1);
        while (at < start) out.push(src[at++]!);
        continue;
      }
      const line = diff[k]!;
      if (line.startsWith("\\")) continue;
      if (line.startsWith(" ")) out.push(src[at++]!);
      else if (line.startsWith("-")) at++;
      else out.push(line.slice(1));
    }
    while (at < src.length) out.push(src[at++]!);
    return out.length === 0 ? "" : `${out.join("\n")}\n`;
  }

  test("applying the diff to the declared text gives the live text", () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: rnd(12) }, () => `${"abc"[rnd(3)]}\n`).join("");
      const b = Array.from({ length: rnd(12) }, () => `${"abc"[rnd(3)]}\n`).join("");
      const d = unifiedDiff(a, b, "declared", "live");
      expect(d.length === 0).toBe(a === b);
      if (d.length > 0) expect(apply(a, d)).toBe(b);
    }
  });
});
