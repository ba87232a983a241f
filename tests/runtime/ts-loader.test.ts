/** runtime/ts-loader.js, the `node -r` hook `npm run <script>` runs TypeScript with, in fresh processes. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TS_LOADER } from "../../scripts/ts-script";

const ROOT = path.resolve(__dirname, "..", "..");

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-ts-loader-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the TypeScript file `script` through the loader with `cache` as its cache directory. */
function run(script: string, cache: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["-r", TS_LOADER, script], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, HEMMA_TS_CACHE: cache },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Types and interfaces vanish in the compile, so without source maps line 7 would be reported lower.
const THROWS = [
  "interface Shape {",
  "  readonly sides: number;",
  "}",
  "type Name = string;",
  "function fail(s: Shape, n: Name): never {",
  "  void s;",
  "  throw new Error(`boom ${n}`);",
  "}",
  'fail({ sides: 3 }, "here");',
  "",
].join("\n");

test("runs TypeScript, and a stack trace names the .ts line, also when the compile comes from the cache", () => {
  // Nested, as a program's files are (components/docker/…): a map relative to anything but the
  // file itself names a path that does not exist at some depth.
  const script = path.join(dir, "a", "b", "throws.ts");
  fs.mkdirSync(path.dirname(script), { recursive: true });
  fs.writeFileSync(script, THROWS);
  const cache = path.join(dir, "cache");
  for (const attempt of ["cold", "cached"]) {
    const r = run(script, cache);
    expect([attempt, r.status]).toEqual([attempt, 1]);
    expect(r.stderr).toContain("Error: boom here");
    expect(r.stderr).toContain(`at fail (${script}:7:9)`);
    expect(r.stderr).toContain(`${script}:9:1)`);
  }
  const entries = fs.readdirSync(cache);
  expect(entries).toHaveLength(1);
  expect(fs.statSync(cache).mode & 0o777).toBe(0o700);
  expect(fs.statSync(path.join(cache, entries[0]!)).mode & 0o777).toBe(0o600);
});

test("a cached compile is what runs: the second process reads it instead of compiling", () => {
  const script = path.join(dir, "prints.ts");
  fs.writeFileSync(script, "const n: number = 41;\nconsole.log(n + 1);\n");
  const cache = path.join(dir, "cache");
  expect(run(script, cache)).toEqual({ status: 0, stdout: "42\n", stderr: "" });
  const [entry] = fs.readdirSync(cache);
  // Stand in a different compile under the same key: the loader must run it as it is.
  fs.writeFileSync(path.join(cache, entry!), 'console.log("from the cache");\n');
  expect(run(script, cache)).toEqual({ status: 0, stdout: "from the cache\n", stderr: "" });
  // Another source is another key, compiled afresh.
  fs.writeFileSync(script, "const n: number = 1;\nconsole.log(n + 1);\n");
  expect(run(script, cache)).toEqual({ status: 0, stdout: "2\n", stderr: "" });
  expect(fs.readdirSync(cache)).toHaveLength(2);
});

test("a cache directory others may write is never read nor written: it would hold code this process runs", () => {
  const script = path.join(dir, "prints.ts");
  fs.writeFileSync(script, 'console.log("compiled" as string);\n');
  const cache = path.join(dir, "shared");
  fs.mkdirSync(cache, { mode: 0o777 });
  fs.chmodSync(cache, 0o777);
  expect(run(script, cache)).toEqual({ status: 0, stdout: "compiled\n", stderr: "" });
  expect(fs.readdirSync(cache)).toEqual([]);
});

test("the SDK's promise bookkeeping traces skip the source maps in every process it runs", () => {
  const script = path.join(dir, "wrapped.ts");
  fs.writeFileSync(
    script,
    'const f = Error.prepareStackTrace as unknown as Record<symbol, unknown>;\nconsole.log(f[Symbol.for("hemma.sdkPromiseStacks")] === true);\n',
  );
  expect(run(script, path.join(dir, "cache"))).toEqual({ status: 0, stdout: "true\n", stderr: "" });
});
