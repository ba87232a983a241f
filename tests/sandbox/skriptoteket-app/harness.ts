/**
 * Runs the Skriptoteket stand-in on this machine the way its image does: Debian's python3 with
 * python3-fastapi, python3-uvicorn and python3-psycopg2 (the base image's packages), `tools/pdm`
 * as the entry point, against a throw-away PostgreSQL 15 cluster whose app role needs its
 * password (so DATABASE_URL's URL-encoded password is really decoded).
 */
import { type ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { APP_DIR } from "../../../sandbox/app-repo";
import { PG_BIN, startCluster, type Cluster } from "../../scripts/postgres-cluster";
import { tempDir } from "../../scripts/script-harness";

/** Debian's interpreter: where apt installs the packages the base image has. */
export const DEBIAN_PYTHON = "/usr/bin/python3";
/** The app role's password: every character URL encoding must handle. */
export const DB_PASSWORD = "s3cret/p@ss:w%rd?#&+";

/** Generous: the suite shares two cores with other work. */
export const DEADLINE_MS = 20000;

/** Throws (the suite fails, never skips) when the base image's Python packages are missing. */
export function requireAppPackages(): void {
  const r = spawnSync(DEBIAN_PYTHON, ["-c", "import fastapi, uvicorn, psycopg2"], { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(
      `${DEBIAN_PYTHON} cannot import fastapi, uvicorn and psycopg2; install them with: ` +
        `apt-get install -y python3-fastapi python3-uvicorn python3-psycopg2 (or npm run test:setup)\n${r.stderr}`,
    );
  }
}

/** A database for the app, a private copy of the app tree and a place for artifacts. */
export interface AppWorld {
  readonly base: string;
  readonly cluster: Cluster;
  /** `postgresql+asyncpg://skriptoteket:<encoded password>@127.0.0.1:<port>/skriptoteket`. */
  readonly databaseUrl: string;
  /** The app tree as committed (release A), copied. */
  readonly appDir: string;
  /** ARTIFACTS_ROOT. */
  readonly artifactsRoot: string;
  /** Copies the app tree under `name` with files replaced (content) or removed (null). */
  variant(name: string, overlay: Readonly<Record<string, string | null>>): string;
  /** The env every app process gets (nothing inherited from this process), plus `extra`. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Runs `tools/pdm args` in `appDir` to completion. */
  pdm(args: readonly string[], options?: { env?: Record<string, string>; appDir?: string }): Finished;
  /** Starts `tools/pdm args` in `appDir`. */
  start(args: readonly string[], options?: { env?: Record<string, string>; appDir?: string }): AppProcess;
  /** Kills what is still running, stops the cluster, removes the temp dir. */
  teardown(): Promise<void>;
}

/** A finished process. */
export interface Finished {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running app process (pdm execs, so its pid is uvicorn's or the worker's). */
export interface AppProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, filter: (src) => !src.includes("__pycache__") });
}

async function waitForPasswordAuth(cluster: Cluster): Promise<void> {
  // pg_reload_conf() only signals the postmaster; wait until a wrong password is really refused.
  await waitFor("password authentication for the app role", () => {
    const r = spawnSync(
      `${PG_BIN}/psql`,
      [
        "-X",
        "-h",
        "127.0.0.1",
        "-p",
        String(cluster.port),
        "-U",
        "skriptoteket",
        "-d",
        "skriptoteket",
        "-c",
        "SELECT 1",
      ],
      { encoding: "utf8", env: { PGPASSWORD: "wrong", PATH: "/usr/bin:/bin" } },
    );
    return r.status !== 0 && /password authentication failed/.test(r.stderr);
  });
}

/** Starts a cluster with the `skriptoteket` role and database, and copies the app tree. */
export async function createWorld(prefix: string): Promise<AppWorld> {
  requireAppPackages();
  const base = tempDir(prefix);
  const cluster = await startCluster(base);
  const processes: AppProcess[] = [];
  cluster.sql("postgres", `CREATE ROLE skriptoteket LOGIN PASSWORD '${DB_PASSWORD}'`);
  cluster.sql("postgres", "CREATE DATABASE skriptoteket OWNER skriptoteket");
  const hba = path.join(cluster.dir, "pg_hba.conf");
  fs.writeFileSync(hba, `host all skriptoteket 127.0.0.1/32 scram-sha-256\n${fs.readFileSync(hba, "utf8")}`);
  cluster.sql("postgres", "SELECT pg_reload_conf()");
  await waitForPasswordAuth(cluster);

  const appDir = path.join(base, "app");
  copyTree(APP_DIR, appDir);
  const artifactsRoot = path.join(base, "artifacts");
  fs.mkdirSync(artifactsRoot);
  const databaseUrl = `postgresql+asyncpg://skriptoteket:${encodeURIComponent(DB_PASSWORD)}@127.0.0.1:${cluster.port}/skriptoteket`;

  const env = (extra: Record<string, string> = {}) => ({
    PATH: "/usr/bin:/bin",
    LANG: "C.UTF-8",
    HOME: base,
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
    DATABASE_URL: databaseUrl,
    ARTIFACTS_ROOT: artifactsRoot,
    ...extra,
  });
  return {
    base,
    cluster,
    databaseUrl,
    appDir,
    artifactsRoot,
    variant(name, overlay) {
      const dir = path.join(base, name);
      copyTree(APP_DIR, dir);
      for (const [p, content] of Object.entries(overlay)) {
        const file = path.join(dir, p);
        if (content === null) fs.rmSync(file);
        else {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, content);
        }
      }
      return dir;
    },
    env,
    pdm(args, options = {}) {
      const dir = options.appDir ?? appDir;
      const r = spawnSync(path.join(dir, "tools", "pdm"), args, {
        cwd: dir,
        env: env(options.env),
        encoding: "utf8",
        timeout: DEADLINE_MS,
      });
      if (r.error) throw r.error;
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    start(args, options = {}) {
      const dir = options.appDir ?? appDir;
      const child = spawn(path.join(dir, "tools", "pdm"), args, {
        cwd: dir,
        env: env(options.env),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("close", (code, signal) => resolve({ code, signal })),
      );
      const p = { child, exited, output: () => out };
      processes.push(p);
      return p;
    },
    async teardown() {
      for (const p of processes) {
        if (p.child.exitCode === null && p.child.signalCode === null) {
          p.child.kill("SIGKILL");
          await p.exited;
        }
      }
      try {
        cluster.stop();
      } catch {
        // already stopped by a test
      }
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A free loopback port (bound and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = DEADLINE_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An HTTP response, body as text. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** One request on a fresh connection (no keep-alive pool, so shutdown sees only our requests). */
export function request(
  port: number,
  method: string,
  urlPath: string,
  body?: { contentType: string; data: string },
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: urlPath,
        agent: false,
        headers: body
          ? { "content-type": body.contentType, "content-length": Buffer.byteLength(body.data) }
          : {},
        timeout: DEADLINE_MS,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: no answer in ${DEADLINE_MS} ms`)));
    req.on("error", reject);
    if (body) req.write(body.data);
    req.end();
  });
}

/** `pdm run serve` on a free loopback port, once `/` answers. */
export async function startWeb(
  world: AppWorld,
  options: { env?: Record<string, string>; appDir?: string } = {},
): Promise<{ port: number; proc: AppProcess }> {
  const port = await freePort();
  const proc = world.start(["run", "serve", "--host", "127.0.0.1", "--port", String(port)], options);
  let exited = false;
  void proc.exited.then(() => (exited = true));
  await waitFor(`uvicorn on port ${port}`, async () => {
    if (exited) throw new Error(`pdm run serve exited early:\n${proc.output()}`);
    try {
      return (await request(port, "GET", "/")).status === 200;
    } catch {
      return false;
    }
  });
  return { port, proc };
}
