import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

const root = join(__dirname, "..", "..");
const workflowsDir = join(root, ".github", "workflows");
const cacheDir = process.env.HEMMA_CACHE_DIR ?? join(homedir(), ".cache", "hemma-infra");
const actionlint = join(cacheDir, "actionlint-v1.7.12", "actionlint");

function lint(files: string[]): { status: number | null; output: string } {
  const result = spawnSync(actionlint, ["-no-color", ...files], { encoding: "utf8", cwd: root });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const workflowFiles = readdirSync(workflowsDir)
  .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
  .sort();

describe("GitHub workflows", () => {
  beforeAll(() => {
    if (!existsSync(actionlint)) {
      throw new Error(
        `actionlint is missing at ${actionlint}: run scripts/ensure-actionlint.sh (.ci/run does)`,
      );
    }
  });

  it("has the pull-request, comment and drift workflows", () => {
    expect(workflowFiles).toEqual(["drift.yml", "pr-comment.yml", "pr-preview.yml"]);
  });

  it("passes actionlint (with shellcheck on every run: script)", () => {
    const { status, output } = lint(workflowFiles.map((f) => join(".github", "workflows", f)));
    expect(output).toBe("");
    expect(status).toBe(0);
  });

  it("makes actionlint fail on a broken workflow, so the lint above is live", () => {
    const dir = mkdtempSync(join(tmpdir(), "hemma-actionlint-"));
    const broken = join(dir, "broken.yml");
    writeFileSync(
      broken,
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n",
    );
    const { status, output } = lint([broken]);
    rmSync(dir, { recursive: true, force: true });
    expect(status).toBe(1);
    expect(output).toContain('property "nope" is not defined');
  });
});

type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { if?: string; steps: { run?: string; uses?: string; if?: string }[] }>;
};

function load(name: string): Workflow {
  return parse(readFileSync(join(workflowsDir, name), "utf8")) as Workflow;
}

function runs(workflow: Workflow, job: string): string {
  return workflow.jobs[job]!.steps.map((s) => s.run ?? "").join("\n");
}

describe("pr-preview.yml", () => {
  const wf = load("pr-preview.yml");

  it("runs on pull requests with a read-only default token", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions).toEqual({ contents: "read" });
  });

  it("runs the README's test command: npm ci, then test:setup (validators, actionlint), then npm test", () => {
    expect(
      runs(wf, "test")
        .split("\n")
        .filter((line) => line !== ""),
    ).toEqual(["npm ci", "npm run test:setup", "npm test"]);
  });

  it("previews prod with --refresh only for branches of this repository", () => {
    expect(wf.jobs["live-preview"]!.if).toBe(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
    expect(runs(wf, "live-preview")).toContain('pulumi preview --stack "$HEMMA_STACK" --refresh');
    expect(runs(wf, "live-preview")).not.toMatch(/pulumi (up|refresh|destroy)\b/);
  });

  it("plans the base branch and the pull request and diffs them, for forks too", () => {
    expect(wf.jobs["plan-diff"]!.if).toBeUndefined();
    const script = runs(wf, "plan-diff");
    expect(script).toContain('npm run --silent plan -- "$HEMMA_STACK" > "$RUNNER_TEMP/plan-base.txt"');
    expect(script).toContain('npm run --silent plan -- "$HEMMA_STACK" > "$RUNNER_TEMP/plan-head.txt"');
    expect(script).toContain('"$RUNNER_TEMP/plan-base.txt" "$RUNNER_TEMP/plan-head.txt" > plan.diff');
    expect(script).toContain("pull requests from forks get no repository secrets");
  });
});

describe("pr-comment.yml", () => {
  const wf = load("pr-comment.yml");

  it("comments from workflow_run and never checks out pull-request code", () => {
    expect(wf.on).toEqual({ workflow_run: { workflows: ["pr-preview"], types: ["completed"] } });
    const uses = wf.jobs.comment!.steps.map((s) => s.uses ?? "");
    expect(uses.filter((u) => u.startsWith("actions/checkout"))).toEqual([]);
    expect(runs(wf, "comment")).toContain('if [ "$head" != "$RUN_HEAD_SHA" ]');
  });
});

describe("drift.yml", () => {
  const wf = load("drift.yml");
  const script = runs(wf, "drift");

  it("runs nightly and by hand", () => {
    expect(wf.on).toEqual({ schedule: [{ cron: "17 3 * * *" }], workflow_dispatch: null });
  });

  it("files into the one open drift issue on exit 2, and fails without filing on other codes", () => {
    const steps = wf.jobs.drift!.steps;
    const file = steps.find((s) => s.run?.includes("gh issue create"))!;
    expect(file.if).toBe("steps.drift.outputs.rc == '2'");
    expect(file.run).toContain('gh issue list --repo "$GITHUB_REPOSITORY" --label drift --state open');
    expect(file.run!.indexOf("gh issue list")).toBeLessThan(file.run!.indexOf("gh issue create"));
    const fail = steps.find((s) => s.run?.includes("no issue filed"))!;
    expect(fail.if).toBe("steps.drift.outputs.rc != '0' && steps.drift.outputs.rc != '2'");
    expect(script).toContain('npm run --silent drift -- "$HEMMA_STACK"');
  });
});
