/**
 * Deploys that drop no request (docs/decisions/0013), proven under load through the real
 * nginx-proxy on a sandbox of this file's own, with the real `pulumi` CLI: A→B, a rollback that
 * reuses the kept image, a build that fails, a migration that fails, a release that never turns
 * healthy, and a `pulumi up` killed while it waits for the new container's health. During each,
 * a bounded load of page GETs and database-writing POSTs, on keep-alive and fresh connections,
 * with long requests and queued jobs, must see no failed request and only the two releases in play.
 * Tests run in order; each starts from the release the one before left serving.
 */
import { LoadReport, type RequestRecord } from "../../bench/support/http-load";
import { installAppRepository } from "../../scripts/sandbox-app-repo";
import { DEPLOY_COMMITS } from "./support/app-commits";
import { deployUnderLoad, releaseSamples, type DeployRun } from "./support/deploy-load";
import { startProjectStack, type ProjectStack } from "./support/project-stack";

let s: ProjectStack;
let sha: Record<string, string>;
const STACK = "dev";

/** Asserts a run had no failed request and was answered only by `releases`. */
function expectClean(run: DeployRun, releases: string[]): void {
  expect(run.report.failures.map(LoadReport.describe)).toEqual([]);
  for (const r of Object.keys(run.report.releases())) expect(releases).toContain(r);
  expect(run.report.records.length).toBeGreaterThan(50);
}

/** The web containers on the sandbox, by commit label. */
function webCommits(): string[] {
  return s
    .shOk(
      "docker ps --all --filter label=education.hule.hemma.service=skriptoteket-web --format '{{.Label \"education.hule.hemma.commit\"}} {{.State}}'",
    )
    .split("\n")
    .filter(Boolean)
    .sort();
}

/** Rows of `notes` whose text is one of `texts`. */
function notesStored(texts: string[]): number {
  if (texts.length === 0) return 0;
  const list = texts.map((t) => `'${t}'`).join(",");
  return Number(
    s.shOk(
      `docker exec shared-postgres psql -U postgres -d skriptoteket -At -c "SELECT count(*) FROM notes WHERE text IN (${list})"`,
    ),
  );
}

beforeAll(() => {
  s = startProjectStack("deploy");
  sha = installAppRepository(s.info.container, s.info.user, DEPLOY_COMMITS).shas;
  expect(Object.keys(sha).sort()).toEqual(["A", "B", "C-build", "C-migration", "C-unhealthy"]);
  const up = s.pulumi(["up", "--stack", STACK, "--yes", "--refresh", "--skip-preview"]);
  if (up.code !== 0) throw new Error(`first up failed:\n${up.stdout.slice(-4000)}\n${up.stderr}`);
}, 1_500_000);

afterAll(() => s?.remove());

test("1. A to B under load: no failed request, answers only from A or B, then only B; every POSTed row stored; each job ran once", async () => {
  const run = await deployUnderLoad(s, { commit: sha.B!, release: "B" }, { jobs: true });
  expect([run.up.code, run.up.stderr]).toEqual([0, ""]);
  expectClean(run, ["A", "B"]);
  expect(run.report.releases()).toEqual(
    expect.objectContaining({ A: expect.any(Number), B: expect.any(Number) }),
  );
  expect(await releaseSamples(s, 20)).toEqual(Array(20).fill("B"));
  expect(webCommits()).toEqual([`${sha.B} running`]);
  expect(notesStored(run.report.notesWritten)).toBe(run.report.notesWritten.length);

  // A long request was on A when A was told to stop, and it was answered.
  expect(run.oldStoppedAt).toBeDefined();
  const onOldAtCutover = run.report.records.filter(
    (r: RequestRecord) =>
      r.kind === "slow" && r.release === "A" && r.start < run.oldStoppedAt! && r.end > run.oldStoppedAt!,
  );
  expect(onOldAtCutover.length).toBeGreaterThan(0);

  // Both workers ran during the overlap; no job ran twice.
  const jobs = run.jobs!;
  expect(jobs.length).toBeGreaterThan(5);
  expect(jobs.filter((j) => j.status !== "done" || j.attempts !== 1)).toEqual([]);
});

test("2. a rollback to A reuses A's kept image (no build) and drops nothing", async () => {
  const imageA = s.shOk(`docker image inspect -f '{{.Id}}' hemma-dev/skriptoteket-web:${sha.A}`);
  const run = await deployUnderLoad(s, { commit: sha.A!, release: "A" });
  expect([run.up.code, run.up.stderr]).toEqual([0, ""]);
  expectClean(run, ["A", "B"]);
  expect(s.shOk(`docker image inspect -f '{{.Id}}' hemma-dev/skriptoteket-web:${sha.A}`)).toBe(imageA);
  expect(await releaseSamples(s, 20)).toEqual(Array(20).fill("A"));
  console.log(
    `rollback B to A: ${Math.round(run.upSeconds)} s from up start to end, A serving alone after ${run.newOnlyAfterSeconds?.toFixed(1)} s`,
  );
});

test("3. a commit whose image build fails: up fails, nothing new starts, A keeps serving with 0 failures", async () => {
  const run = await deployUnderLoad(s, { commit: sha["C-build"]!, release: "C-build" });
  expect(run.up.code).not.toBe(0);
  expect(run.up.stdout).toMatch(/build image hemma-dev\/skriptoteket-web:[0-9a-f]{40}.*failed/);
  expectClean(run, ["A"]);
  expect(webCommits()).toEqual([`${sha.A} running`]);
});

test("4. a commit whose migration fails: up fails, no new container starts, A keeps serving; a later up with a good commit proceeds", async () => {
  const run = await deployUnderLoad(s, { commit: sha["C-migration"]!, release: "C-migration" });
  expect(run.up.code).not.toBe(0);
  expect(run.up.stdout).toMatch(/skriptoteket-migrate/);
  expectClean(run, ["A"]);
  expect(webCommits()).toEqual([`${sha.A} running`]);
  expect(
    s.shOk(
      `docker ps --all --filter label=education.hule.hemma.commit=${sha["C-migration"]} --format '{{.Names}}'`,
    ),
  ).toBe("");

  const good = await deployUnderLoad(s, { commit: sha.B!, release: "B" });
  expect([good.up.code, good.up.stderr]).toEqual([0, ""]);
  expectClean(good, ["A", "B"]);
  expect(await releaseSamples(s, 20)).toEqual(Array(20).fill("B"));
});

test("5. a release that never turns healthy: up fails within the health timeout, B keeps serving, nothing half-started is left, the next up is clean", async () => {
  s.override({ "hemma:app": { healthTimeoutSeconds: 40 } });
  const run = await deployUnderLoad(s, { commit: sha["C-unhealthy"]!, release: "C-unhealthy" });
  expect(run.up.code).not.toBe(0);
  expect(run.up.stdout).toMatch(/is (starting|unhealthy), not healthy, after at most 40 s; removing it/);
  expectClean(run, ["B", "C-unhealthy"]);
  expect(webCommits()).toEqual([`${sha.B} running`]);
  // Image builds of the new commit come first; from the gate's start, 40 s plus 30 s grace plus slack.
  expect(run.gateSeconds).toBeDefined();
  expect(run.gateSeconds!).toBeLessThan(40 + 30 + 60);
  expect(await releaseSamples(s, 20)).toEqual(Array(20).fill("B"));

  const back = await deployUnderLoad(s, { commit: sha.B!, release: "B" });
  expect([back.up.code, back.up.stderr]).toEqual([0, ""]);
  expectClean(back, ["B"]);
  const again = s.pulumi(["preview", "--stack", STACK, "--refresh", "--expect-no-changes"]);
  expect([again.code, again.stderr]).toEqual([0, ""]);
});

test("6. pulumi up killed (SIGKILL) while it waits for the new container's health: the next up converges, nothing but A or B ever answered", async () => {
  const run = await deployUnderLoad(s, { commit: sha.A!, release: "A" }, { killDuringHealthWait: true });
  expect(run.killed).toBe(true);
  expectClean(run, ["A", "B"]);
  // The killed run's lock stays in the backend; `npm run up` finds its process gone and removes it.
  const next = await deployUnderLoad(s, { commit: sha.A!, release: "A" }, { npmUp: true });
  expect([next.up.code, next.up.stderr]).toEqual([0, ""]);
  expect(next.up.stdout).toMatch(/^up: removed the lock left by pid \d+ at .*: that process is gone$/m);
  expectClean(next, ["A", "B"]);
  expect(await releaseSamples(s, 20)).toEqual(Array(20).fill("A"));
  expect(webCommits()).toEqual([`${sha.A} running`]);
  const again = s.pulumi(["preview", "--stack", STACK, "--refresh", "--expect-no-changes"]);
  expect([again.code, again.stderr]).toEqual([0, ""]);
});
