/** `pdm run run-execution-worker` of the stand-in: the queue worker that overlaps during deploys. */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { PG_BIN } from "../../scripts/postgres-cluster";
import { createWorld, waitFor, type AppProcess, type AppWorld } from "./harness";

let world: AppWorld;

beforeAll(async () => {
  world = await createWorld("hemma-app-worker-");
  expect(world.pdm(["run", "db-upgrade"]).status).toBe(0);
}, 60000);

afterAll(async () => {
  await world?.teardown();
});

const db = (sql: string) => world.cluster.sql("skriptoteket", sql);
const FAST_POLL = { RUNNER_QUEUE_POLL_INTERVAL_SECONDS: "0.05" };

let running: AppProcess[] = [];

function startWorker(): AppProcess {
  const worker = world.start(["run", "run-execution-worker"], { env: FAST_POLL });
  running.push(worker);
  return worker;
}

const STARTED = /execution-worker: started worker_id=(\S+) release=A queue=default\n/;

async function started(worker: AppProcess): Promise<string> {
  // The whole line: on a loaded machine the output can stop in the middle of it for a while.
  await waitFor("the worker to start", () => STARTED.test(worker.output()));
  return STARTED.exec(worker.output())![1]!;
}

beforeEach(() => {
  db("DELETE FROM tool_run_jobs");
});

// A failed test must not leave a worker behind to take the next test's jobs.
afterEach(async () => {
  for (const w of running) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    await w.exited;
  }
  running = [];
});

describe("run-execution-worker", () => {
  it("is a process whose command line names run-execution-worker (the worker healthcheck looks for it)", async () => {
    const worker = startWorker();
    await started(worker);
    const cmdline = fs.readFileSync(`/proc/${worker.child.pid}/cmdline`, "utf8").split("\0");
    expect(cmdline).toContain("run-execution-worker");
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });

  it("with two workers polling the queue, runs every job exactly once and records who ran it", async () => {
    const workers = [startWorker(), startWorker()];
    const ids = await Promise.all(workers.map(started));
    expect(new Set(ids).size).toBe(2);
    db("INSERT INTO tool_run_jobs (work_seconds) SELECT 0.05 FROM generate_series(1, 40)");
    await waitFor(
      "all 40 jobs to be done",
      () => db("SELECT count(*) FROM tool_run_jobs WHERE status = 'done'") === "40",
    );

    expect(db("SELECT count(*) FROM tool_run_jobs WHERE attempts <> 1")).toBe("0");
    // Both took part (one alone needs 2 s to drain the queue), so their leases really competed.
    const ranBy = db(
      "SELECT string_agg(DISTINCT worker_id, ',' ORDER BY worker_id) FROM tool_run_jobs",
    ).split(",");
    expect(ranBy).toEqual([...ids].sort());
    expect(
      db(
        "SELECT DISTINCT worker_hostname || ' ' || worker_release || ' ' || (started_at <= finished_at) || ' ' || (locked_by IS NULL) FROM tool_run_jobs",
      ),
    ).toBe(`${os.hostname()} A true true`);
    // Each worker ran its jobs one at a time: its runs never overlap.
    expect(
      db(`SELECT count(*) FROM tool_run_jobs a JOIN tool_run_jobs b ON a.worker_id = b.worker_id AND a.id < b.id
          WHERE a.started_at < b.finished_at AND b.started_at < a.finished_at`),
    ).toBe("0");

    for (const w of workers) w.child.kill("SIGTERM");
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    const logged = workers.flatMap((w) => [...w.output().matchAll(/job (\d+) done/g)].map((m) => m[1]));
    expect(logged.length).toBe(40);
    expect(new Set(logged).size).toBe(40);
  });

  it("skips a job another transaction holds locked instead of waiting for it (FOR UPDATE SKIP LOCKED)", async () => {
    const [locked, free] = db("INSERT INTO tool_run_jobs (work_seconds) VALUES (0), (0) RETURNING id").split(
      "\n",
    );
    // Another worker's claim in progress: a transaction holding the oldest job's row lock.
    const holder = spawn(
      `${PG_BIN}/psql`,
      [
        "-X",
        "-At",
        "-h",
        "127.0.0.1",
        "-p",
        String(world.cluster.port),
        "-U",
        "postgres",
        "-d",
        "skriptoteket",
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let held = "";
    holder.stdout.on("data", (d: Buffer) => (held += d.toString()));
    const holderExited = new Promise((resolve) => holder.on("close", resolve));
    try {
      holder.stdin.write(`BEGIN;\nSELECT id FROM tool_run_jobs WHERE id = ${locked} FOR UPDATE;\n`);
      await waitFor("the row lock", () => held.includes(`${locked}\n`));
      const worker = startWorker();
      await waitFor(
        "the unlocked job to be done",
        () => db(`SELECT status FROM tool_run_jobs WHERE id = ${free}`) === "done",
      );
      expect(db(`SELECT status || ' ' || attempts FROM tool_run_jobs WHERE id = ${locked}`)).toBe("queued 0");
      holder.stdin.end("COMMIT;\n");
      await waitFor(
        "the released job to be done",
        () => db(`SELECT status FROM tool_run_jobs WHERE id = ${locked}`) === "done",
      );
      worker.child.kill("SIGTERM");
      expect((await worker.exited).code).toBe(0);
    } finally {
      holder.stdin.end();
      await holderExited;
    }
  });

  it("on SIGTERM finishes the job it is running, leases no other, and exits 0", async () => {
    const [first, second] = db(
      "INSERT INTO tool_run_jobs (work_seconds) VALUES (1.5), (0) RETURNING id",
    ).split("\n");
    const worker = startWorker();
    await waitFor(
      "the first job to run",
      () => db(`SELECT status FROM tool_run_jobs WHERE id = ${first}`) === "running",
    );
    const signalled = Date.now() / 1000;
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toEqual({ code: 0, signal: null });

    const [status, finishedAt] = db(
      `SELECT status, extract(epoch FROM finished_at) FROM tool_run_jobs WHERE id = ${first}`,
    ).split("|");
    expect(status).toBe("done");
    expect(Number(finishedAt)).toBeGreaterThan(signalled);
    expect(db(`SELECT status || ' ' || attempts FROM tool_run_jobs WHERE id = ${second}`)).toBe("queued 0");
    expect(worker.output()).toMatch(
      new RegExp(
        `SIGTERM received; stopping after the current job\\nexecution-worker: job ${first} done\\nexecution-worker: stopped\\n$`,
      ),
    );
  });

  it("takes over a job whose lease expired (its worker died mid-run)", async () => {
    const id = db(
      "INSERT INTO tool_run_jobs (status, attempts, locked_by, locked_until, worker_id) VALUES ('running', 1, 'gone:1', now() - interval '1 second', 'gone:1') RETURNING id",
    );
    const worker = startWorker();
    const me = await started(worker);
    await waitFor(
      "the abandoned job to be done",
      () => db(`SELECT status FROM tool_run_jobs WHERE id = ${id}`) === "done",
    );
    expect(db(`SELECT worker_id || ' ' || attempts FROM tool_run_jobs WHERE id = ${id}`)).toBe(`${me} 2`);
    worker.child.kill("SIGTERM");
    expect((await worker.exited).code).toBe(0);
  });
});
