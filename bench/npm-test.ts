/**
 * `npm run bench:npm-test [-- --runs R] [--cold]`: the wall time of `npm test` against its target
 * (at most 60 s on the 2-core machine, issue 11).
 *
 * Runs the suite R times (default 3) exactly as `npm test` does, one after another, and prints for
 * each run its wall time, its CPU seconds (the whole process tree: Jest, its workers and every
 * process the tests start) and the load average when it ended, then the median wall time against
 * the target. `--cold` gives each run an empty Jest cache of its own, as on a fresh checkout (every
 * test file transpiled again, no durations to order the files by).
 *
 * Exit codes: 0 measured (target met or not: the figures are the result); 1 a run failed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { childCpuSeconds, median } from "./support/measure";

const TARGET_SECONDS = 60;
const ROOT = path.resolve(__dirname, "..");

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): number {
  const runs = Number(option("--runs") ?? "3");
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`bench:npm-test: --runs must be a positive integer, got ${option("--runs")}\n`);
    return 1;
  }
  const cold = process.argv.includes("--cold");
  const walls: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const cacheDir = cold ? fs.mkdtempSync(path.join(os.tmpdir(), "hemma-bench-jest-")) : undefined;
    const cpu = childCpuSeconds();
    const started = process.hrtime.bigint();
    const res = spawnSync(
      "npm",
      ["test", "--silent", "--", ...(cacheDir === undefined ? [] : ["--cacheDirectory", cacheDir])],
      { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" },
    );
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const used = childCpuSeconds() - cpu;
    if (cacheDir !== undefined) fs.rmSync(cacheDir, { recursive: true, force: true });
    if (res.status !== 0) {
      process.stderr.write(
        `${res.stderr}\nbench:npm-test: run ${i} failed (exit ${res.status ?? res.signal})\n`,
      );
      return 1;
    }
    const summary = /^Tests:.*$/m.exec(res.stderr)?.[0] ?? "";
    process.stderr.write(
      `bench:npm-test: run ${i}/${runs}: ${wall.toFixed(1)} s wall, ${used.toFixed(1)} s CPU, ` +
        `load ${os.loadavg()[0]!.toFixed(1)}; ${summary}\n`,
    );
    walls.push(wall);
  }
  const m = median(walls);
  const verdict = m <= TARGET_SECONDS ? "target met" : "TARGET MISSED";
  process.stdout.write(
    `npm-test: ${m.toFixed(1)} s wall (median of ${runs}${cold ? ", cold Jest cache" : ""}) ` +
      `(target <= ${TARGET_SECONDS} s): ${verdict}; ${os.cpus().length} CPUs\n`,
  );
  return 0;
}

process.exit(main());
