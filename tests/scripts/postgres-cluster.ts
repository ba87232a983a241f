import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
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

/** initdb + pg_ctl start as `postgres` in `base` (made traversable), trust auth, fsync off for speed. */
export async function startCluster(base: string): Promise<Cluster> {
  requireTool("initdb", `${PG_BIN}/initdb`);
  const port = await freePort();
  fs.chmodSync(base, 0o755);
  const dir = path.join(base, "pgdata");
  const sock = path.join(base, "pgsock");
  fs.mkdirSync(dir);
  fs.mkdirSync(sock);
  execFileSync("chown", ["postgres:postgres", dir, sock]);
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync("runuser", ["-u", "postgres", "--", `${PG_BIN}/${cmd}`, ...args], {
      stdio: "pipe",
      encoding: "utf8",
      cwd: "/",
    });
  asPostgres("initdb", ["-D", dir, "--auth=trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
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
