import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { requireTool } from "../render/host/tools";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

/** A throwaway PostgreSQL cluster on loopback, owned by the `postgres` user. */
export interface Cluster {
  readonly port: number;
  readonly dir: string;
  /** Runs SQL as `postgres` in `db`; returns trimmed unaligned output. */
  sql(db: string, sql: string): string;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function asPostgres(cmd: string, args: string[]): string {
  return execFileSync("runuser", ["-u", "postgres", "--", `${PG_BIN}/${cmd}`, ...args], {
    stdio: "pipe",
    encoding: "utf8",
    cwd: "/",
  });
}

const INITDB_ARGS = ["--auth=trust", "-U", "postgres", "--no-sync", "-E", "UTF8"];

/**
 * A data directory exactly as `initdb INITDB_ARGS` leaves it, made once per machine and initdb
 * version and copied for each cluster: initdb takes about a second of CPU, a copy milliseconds.
 * Made under a temporary name and renamed into place, so a concurrent test file never sees half.
 */
function templateDataDir(): string {
  const version = execFileSync(`${PG_BIN}/initdb`, ["--version"], { encoding: "utf8" });
  const key = createHash("sha256")
    .update(`${version}\0${INITDB_ARGS.join("\0")}`)
    .digest("hex")
    .slice(0, 16);
  const template = path.join(os.tmpdir(), `hemma-pg-template-${key}`);
  if (fs.existsSync(path.join(template, "PG_VERSION"))) return template;
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-pg-template-staging-"));
  try {
    fs.chmodSync(staging, 0o755);
    const dir = path.join(staging, "pgdata");
    fs.mkdirSync(dir);
    execFileSync("chown", ["postgres:postgres", dir]);
    asPostgres("initdb", ["-D", dir, ...INITDB_ARGS]);
    try {
      fs.renameSync(dir, template);
    } catch (err) {
      // Another test file made it first: theirs is the same.
      if (!fs.existsSync(path.join(template, "PG_VERSION"))) throw err;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return template;
}

/** A cluster as initdb makes it, started as `postgres` in `base` (made traversable), trust auth, fsync off for speed. */
export async function startCluster(base: string): Promise<Cluster> {
  requireTool("initdb", `${PG_BIN}/initdb`);
  const port = await freePort();
  fs.chmodSync(base, 0o755);
  const dir = path.join(base, "pgdata");
  const sock = path.join(base, "pgsock");
  execFileSync("cp", ["-a", templateDataDir(), dir]);
  fs.mkdirSync(sock);
  execFileSync("chown", ["postgres:postgres", sock]);
  asPostgres("pg_ctl", [
    "-D",
    dir,
    "-w",
    "-l",
    path.join(dir, "server.log"),
    "-o",
    `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
    "start",
  ]);
  return {
    port,
    dir,
    sql: (db, sql) =>
      execFileSync(
        `${PG_BIN}/psql`,
        [
          "-X",
          "-q",
          "-At",
          "-v",
          "ON_ERROR_STOP=1",
          "-h",
          "127.0.0.1",
          "-p",
          String(port),
          "-U",
          "postgres",
          "-d",
          db,
          "-c",
          sql,
        ],
        {
          encoding: "utf8",
        },
      ).trim(),
    stop: () => {
      asPostgres("pg_ctl", ["-D", dir, "-m", "immediate", "stop"]);
    },
  };
}
