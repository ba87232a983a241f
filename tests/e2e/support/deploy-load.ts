/**
 * One deploy of the dev stack under load: the commit set in the sandbox's overrides, a bounded
 * load through nginx-proxy from before `pulumi up` starts until after it ends, long requests and
 * queued jobs sent while it runs, and what the Docker host saw (when the old web container was
 * told to stop, when the new one was created). Used by the deploy e2e and `npm run bench:deploy`.
 */
import { HttpLoad, type LoadOptions, type LoadReport } from "../../../bench/support/http-load";
import type { ProjectStack, Ran } from "./project-stack";

/** The app's virtual host in the dev stack. */
export const APP_HOST = "skriptoteket.hemma.test";
const WEB_LABEL = "education.hule.hemma.service=skriptoteket-web";
const COMMIT_LABEL = "education.hule.hemma.commit";

/** A job of the execution queue as the database has it after the deploy. */
export interface JobRow {
  readonly id: number;
  readonly status: string;
  readonly attempts: number;
  readonly release: string;
}

/** What one deploy under load did. */
export interface DeployRun {
  /** `pulumi up`'s outcome (code -1 when it was killed). */
  readonly up: Ran;
  /** Every request of the load. */
  readonly report: LoadReport;
  /** When `pulumi up` started and ended (ms since the epoch). */
  readonly upStart: number;
  readonly upEnd: number;
  /** Seconds `pulumi up` ran. */
  readonly upSeconds: number;
  /** When the first web container of another commit was told to stop (SIGTERM), if one was. */
  readonly oldStoppedAt?: number;
  /** Seconds from the new commit's web container being created to `up` ending, if one was created. */
  readonly gateSeconds?: number;
  /** Seconds from `up` start to the first answer from the new release. */
  readonly firstNewAfterSeconds?: number;
  /** Seconds from `up` start until after which only the new release answered. */
  readonly newOnlyAfterSeconds?: number;
  /** True when `up` was killed while waiting for the new container's health. */
  readonly killed?: boolean;
  /** The jobs queued during the deploy, once every one of them finished (with `jobs: true`). */
  readonly jobs?: JobRow[];
}

/** Options of {@link deployUnderLoad}. */
export interface DeployOptions {
  /** Queue a 1 s job every 2 s during the deploy and report them. Default false. */
  readonly jobs?: boolean;
  /** SIGKILL `pulumi up` once the new web container exists and is not yet healthy. Default false. */
  readonly killDuringHealthWait?: boolean;
  /** Deploy with `npm run up -- dev` instead of `pulumi up --refresh`. Default false. */
  readonly npmUp?: boolean;
  /** The load. Default: 3 keep-alive and 3 fresh clients, 50 ms pause, every 4th a POST. */
  readonly load?: LoadOptions;
  /** Seconds of load before `up` starts and after it ends. Default 3 and 5. */
  readonly before?: number;
  readonly after?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Timestamps (ms) of docker events of web containers in [since, until]: `kill` or `create`, with each one's commit. */
function webEvents(
  s: ProjectStack,
  event: "kill" | "create",
  since: number,
  until: number,
): { at: number; commit: string }[] {
  const out = s.shOk(
    `docker events --since ${Math.floor(since / 1000) - 1} --until ${Math.ceil(until / 1000) + 1} --filter event=${event} --filter label=${WEB_LABEL} --format '{{.TimeNano}} {{index .Actor.Attributes "${COMMIT_LABEL}"}}'`,
  );
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [nano, commit] = l.split(" ");
      return { at: Number(BigInt(nano!) / 1_000_000n), commit: commit ?? "" };
    });
}

/** Whether a web container of `commit` exists and is not yet healthy. */
function newContainerWaiting(s: ProjectStack, commit: string): boolean {
  const r = s.sh(
    `docker ps --filter label=${COMMIT_LABEL}=${commit} --filter label=${WEB_LABEL} --format '{{.Status}}'`,
  );
  return /health: starting/.test(r.stdout);
}

/** The jobs with these ids, once none of them is queued or running any more (at most 180 s). */
async function finishedJobs(s: ProjectStack, ids: number[]): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  const sql = `SELECT id, status, attempts, coalesce(worker_release, '') FROM tool_run_jobs WHERE id IN (${ids.join(",")}) ORDER BY id`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const rows = s
      .shOk(`docker exec shared-postgres psql -U postgres -d skriptoteket -At -F ' ' -c "${sql}"`)
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const [id, status, attempts, release] = l.split(" ");
        return { id: Number(id), status: status!, attempts: Number(attempts), release: release ?? "" };
      });
    if (rows.length === ids.length && rows.every((r) => r.status === "done")) return rows;
    if (Date.now() > deadline) return rows;
    await sleep(2000);
  }
}

/** The release each of `n` sequential page requests on fresh connections got. */
export async function releaseSamples(s: ProjectStack, n: number): Promise<(string | undefined)[]> {
  const one = new HttpLoad(
    { host: "127.0.0.1", port: s.info.httpsPort, servername: APP_HOST },
    { keepAliveClients: 0, freshClients: 1, pauseMs: 0, postEvery: Number.MAX_SAFE_INTEGER },
  ).start();
  while (one.records.length < n) await sleep(10);
  const report = await one.stop();
  return report.records.slice(0, n).map((r) => r.release);
}

/** What to deploy: the commit, and the release name its app reports (`x-skriptoteket-release`). */
export interface DeployTarget {
  /** Full sha. */
  readonly commit: string;
  /** Release name in the commit's `release.txt`. */
  readonly release: string;
}

/** Deploys `target.commit` (via the overrides file) with `pulumi up --refresh` under load. */
export async function deployUnderLoad(
  s: ProjectStack,
  target: DeployTarget,
  opts: DeployOptions = {},
): Promise<DeployRun> {
  const { commit, release } = target;
  s.override({ "hemma:app": { commit } });
  const load = new HttpLoad(
    { host: "127.0.0.1", port: s.info.httpsPort, servername: APP_HOST },
    opts.load,
  ).start();
  await sleep((opts.before ?? 3) * 1000);
  const upStart = Date.now();
  const { child, done } = opts.npmUp
    ? s.npmUpAsync()
    : s.pulumiAsync(["up", "--stack", "dev", "--yes", "--refresh", "--skip-preview"]);
  let finished = false;
  let killed = false;
  void done.then(() => (finished = true));
  // A long request every second keeps several in flight on each container at any moment, so
  // some are on the old one when it is told to stop.
  for (let tick = 0; !finished; tick++) {
    load.slow(8);
    if (opts.jobs && tick % 2 === 0) load.job(1);
    if (opts.killDuringHealthWait && !killed && newContainerWaiting(s, commit)) {
      child.kill("SIGKILL");
      killed = true;
    }
    await sleep(1000);
  }
  const up = await done;
  const upEnd = Date.now();
  await sleep((opts.after ?? 5) * 1000);
  const report = await load.stop();

  const kills = webEvents(s, "kill", upStart, upEnd + 60_000).filter((e) => e.commit !== commit);
  const creates = webEvents(s, "create", upStart, upEnd).filter((e) => e.commit === commit);
  const answered = report.records.filter((r) => r.release !== undefined);
  const firstNew = answered.filter((r) => r.release === release).map((r) => r.end);
  const lastOther = answered.filter((r) => r.release !== release && r.kind !== "slow").map((r) => r.end);
  const jobIds = report.records.flatMap((r) => (r.jobId !== undefined ? [r.jobId] : []));
  return {
    up,
    report,
    upStart,
    upEnd,
    upSeconds: (upEnd - upStart) / 1000,
    ...(kills.length > 0 ? { oldStoppedAt: Math.min(...kills.map((k) => k.at)) } : {}),
    ...(creates.length > 0 ? { gateSeconds: (upEnd - Math.min(...creates.map((c) => c.at))) / 1000 } : {}),
    ...(firstNew.length > 0 ? { firstNewAfterSeconds: (Math.min(...firstNew) - upStart) / 1000 } : {}),
    ...(lastOther.length > 0 ? { newOnlyAfterSeconds: (Math.max(...lastOther) - upStart) / 1000 } : {}),
    ...(opts.killDuringHealthWait ? { killed } : {}),
    ...(opts.jobs ? { jobs: await finishedJobs(s, jobIds) } : {}),
  };
}
