/** The test order: Jest's durations when it has them, else the committed ones. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Test } from "@jest/test-result";
import durations from "./durations.json";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the sequencer is CommonJS for Jest
const MeasuredSequencer = require("./sequencer.js") as new () => { sort(tests: Test[]): Test[] };

const ROOT = path.resolve(__dirname, "..", "..");

let cacheDirectory: string;
beforeEach(() => {
  cacheDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-sequencer-"));
});
afterEach(() => fs.rmSync(cacheDirectory, { recursive: true, force: true }));

/** Jest's test record for `rel`, whose context reads durations from `cacheDirectory` (empty: a fresh checkout). */
function testFile(rel: string): Test {
  return {
    path: path.join(ROOT, rel),
    duration: undefined,
    context: {
      config: { cacheDirectory, id: "hemma-sequencer-test", haste: {}, name: "hemma" },
      hasteFS: { getSize: () => 100 },
    },
  } as unknown as Test;
}

const names = (tests: Test[]): string[] => tests.map((t) => path.relative(ROOT, t.path));

test("with no durations in Jest's cache, the committed durations order the files, slowest first", () => {
  const known = Object.entries(durations as Record<string, number>)
    .filter(([, s]) => s > 0)
    .slice(0, 4);
  const shuffled = [known[2]!, known[0]!, known[3]!, known[1]!].map(([rel]) => testFile(rel));
  const sorted = names(new MeasuredSequencer().sort(shuffled));
  const expected = [...known].sort((a, b) => b[1] - a[1]).map(([rel]) => rel);
  expect(sorted).toEqual(expected);
});

test("a file with no duration anywhere starts first; the committed ones follow, slowest first", () => {
  const [[slow], [fast]] = [
    ...Object.entries(durations as Record<string, number>).sort((a, b) => b[1] - a[1]),
  ].filter((_, i, all) => i === 0 || i === all.length - 1);
  const sorted = names(
    new MeasuredSequencer().sort([testFile(fast!), testFile("tests/new-file.test.ts"), testFile(slow!)]),
  );
  expect(sorted).toEqual(["tests/new-file.test.ts", slow, fast]);
});
