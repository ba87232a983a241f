/**
 * `npm run bench:deploy [-- --keep]`: one A→B deploy of the dev stack under load, on a sandbox of
 * its own, with the real `pulumi` CLI and the real nginx-proxy. Prints the requests sent and
 * failed, p50/p99 latency before and during the deploy, the deploy's wall time, and the time from
 * `up` start until B answers and until only B answers. Targets: 0 failed requests and p99 during
 * the deploy within 2x of before; the figures are printed whatever they are.
 *
 * Exit codes: 0 measured (target met or not); 1 the run failed.
 */
import { percentile } from "./support/http-load";
import { deployUnderLoad } from "../tests/e2e/support/deploy-load";
import { startProjectStack } from "../tests/e2e/support/project-stack";
import { installAppRepository } from "../scripts/sandbox-app-repo";
import { STANDARD_COMMITS } from "../sandbox/app-repo";

const BASELINE_SECONDS = 20;

function ms(n: number): string {
  return Number.isFinite(n) ? `${Math.round(n)} ms` : "n/a";
}

async function main(): Promise<void> {
  const keep = process.argv.includes("--keep");
  process.stderr.write(
    "bench:deploy: starting a sandbox of its own and deploying release A (a few minutes)\n",
  );
  const s = startProjectStack("bench");
  try {
    const { shas } = installAppRepository(s.info.container, s.info.user, STANDARD_COMMITS);
    const first = s.pulumi(["up", "--stack", "dev", "--yes", "--refresh", "--skip-preview"]);
    if (first.code !== 0)
      throw new Error(`the first up failed:\n${first.stdout.slice(-3000)}\n${first.stderr}`);
    process.stderr.write(
      `bench:deploy: A serving; ${BASELINE_SECONDS} s of load, then A→B under the same load\n`,
    );
    const run = await deployUnderLoad(
      s,
      { commit: shas.B!, release: "B" },
      { before: BASELINE_SECONDS, after: 5 },
    );
    if (run.up.code !== 0)
      throw new Error(`the deploy failed:\n${run.up.stdout.slice(-3000)}\n${run.up.stderr}`);
    const before = run.report.latencies(-Infinity, run.upStart);
    const during = run.report.latencies(run.upStart, run.upEnd);
    const p99Before = percentile(before, 99);
    const p99During = percentile(during, 99);
    const lines = [
      `requests sent:            ${run.report.records.length} (${Object.entries(run.report.releases())
        .map(([r, n]) => `${r}: ${n}`)
        .join(", ")})`,
      `failed:                   ${run.report.failures.length}`,
      `resent on a fresh conn.:  ${run.report.resent.length} (reused keep-alive connection closed before any answer, as browsers resend)`,
      `latency before deploy:    p50 ${ms(percentile(before, 50))}, p99 ${ms(p99Before)} (${before.length} requests)`,
      `latency during deploy:    p50 ${ms(percentile(during, 50))}, p99 ${ms(p99During)} (${during.length} requests)`,
      `deploy wall time:         ${run.upSeconds.toFixed(1)} s (pulumi up --refresh, image builds included)`,
      `up start to B answering:  ${run.firstNewAfterSeconds?.toFixed(1) ?? "n/a"} s`,
      `up start to only B:       ${run.newOnlyAfterSeconds?.toFixed(1) ?? "n/a"} s`,
      `target: 0 failed and p99 during within 2x of before: ${
        run.report.failures.length === 0 && p99During <= 2 * p99Before ? "met" : "NOT met"
      }`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    if (keep) process.stderr.write(`bench:deploy: kept sandbox ${s.info.container}\n`);
    else s.remove();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:deploy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
