/**
 * hemma-db-backup.sh against a real PostgreSQL 15 cluster on loopback, with the tools run
 * directly (HEMMA_BACKUP_EXEC empty) instead of through `docker exec`.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderDatabaseBackupScript } from "../../render/host/database-backups";
import { PG_BIN, startCluster, type Cluster } from "./postgres-cluster";
import { tempDir, writeScript } from "./script-harness";

let base: string;
let cluster: Cluster;
let script: string;
let backups: string;

const STAMPED = /^skriptoteket-\d{8}T\d{6}Z\.dump$/;

beforeAll(async () => {
  base = tempDir("hemma-pg-");
  cluster = await startCluster(base);
  cluster.sql("postgres", "CREATE DATABASE skriptoteket");
  cluster.sql("postgres", "CREATE DATABASE shop");
  cluster.sql(
    "skriptoteket",
    "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g",
  );
  cluster.sql("shop", "CREATE TABLE orders (id int); CREATE TABLE customers (id int)");
  script = writeScript(
    base,
    "hemma-db-backup.sh",
    renderDatabaseBackupScript({
      databases: ["skriptoteket", "shop"],
      dir: "/nonexistent/overridden-by-env",
      retain: 3,
      pgUser: "postgres",
      execPrefix: "/snap/bin/docker exec -i shared-postgres",
      verify: true,
      onCalendar: "daily",
      requires: [],
    }),
  );
}, 60000);

afterAll(() => {
  cluster?.stop();
  fs.rmSync(base, { recursive: true, force: true });
});

beforeEach(() => {
  backups = path.join(base, `backups-${Date.now()}`);
});

function runBackup(args: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync("bash", [script, ...args], {
    encoding: "utf8",
    env: {
      PATH: `${PG_BIN}:${process.env.PATH}`,
      PGHOST: "127.0.0.1",
      PGPORT: String(cluster.port),
      HEMMA_BACKUP_EXEC: "",
      HEMMA_BACKUP_DIR: backups,
      ...env,
    },
    timeout: 60000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

const dumps = (db = "skriptoteket") =>
  fs
    .readdirSync(backups)
    .filter((f) => f.startsWith(`${db}-`))
    .sort();

describe("hemma-db-backup.sh", () => {
  it("writes one verified custom-format dump per database, atomically", () => {
    const r = runBackup();
    expect(r.status).toBe(0);
    const files = fs.readdirSync(backups).sort();
    expect(files).toHaveLength(2);
    expect(files.filter((f) => STAMPED.test(f))).toHaveLength(1);
    expect(files.filter((f) => /^shop-\d{8}T\d{6}Z\.dump$/.test(f))).toHaveLength(1);
    expect(r.out).toMatch(/skriptoteket: .*\.partial restores \(1 tables\)/);
    expect(r.out).toMatch(/shop: .*\.partial restores \(2 tables\)/);
    const list = execFileSync(
      `${PG_BIN}/pg_restore`,
      [
        "--list",
        path.join(
          backups,
          files.find((f) => STAMPED.test(f))!,
        ),
      ],
      { encoding: "utf8" },
    );
    expect(list).toMatch(/TABLE DATA public items postgres/);
    expect((fs.statSync(path.join(backups, files[0]!)).mode & 0o777).toString(8)).toBe("600");
    // The scratch databases are gone again.
    expect(
      cluster.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'hemma_restore_check_%'"),
    ).toBe("0");
  });

  it("keeps only the newest dumps up to the retention count, per database", () => {
    fs.mkdirSync(backups, { recursive: true });
    const old = [
      "20240101T000000Z",
      "20240201T000000Z",
      "20240301T000000Z",
      "20240401T000000Z",
      "20240501T000000Z",
    ];
    for (const s of old) fs.writeFileSync(path.join(backups, `skriptoteket-${s}.dump`), "old");
    // Look-alikes that are not this database's dumps must survive.
    fs.writeFileSync(path.join(backups, "skriptoteket_archive-20200101T000000Z.dump"), "other db");
    fs.writeFileSync(path.join(backups, "skriptoteket-manual.sql"), "hand-made");
    const r = runBackup();
    expect(r.status).toBe(0);
    const kept = dumps().filter((f) => STAMPED.test(f));
    expect(kept).toHaveLength(3);
    expect(kept.slice(0, 2)).toEqual([
      "skriptoteket-20240401T000000Z.dump",
      "skriptoteket-20240501T000000Z.dump",
    ]);
    expect(kept[2]! > "skriptoteket-20240501T000000Z.dump").toBe(true);
    expect(r.out).toContain("skriptoteket: removed skriptoteket-20240101T000000Z.dump (keeping 3)");
    expect(fs.existsSync(path.join(backups, "skriptoteket_archive-20200101T000000Z.dump"))).toBe(true);
    expect(fs.existsSync(path.join(backups, "skriptoteket-manual.sql"))).toBe(true);
  });

  it("fails verification for a truncated or garbage dump and leaves no scratch database", () => {
    expect(runBackup().status).toBe(0);
    const good = path.join(
      backups,
      dumps().find((f) => STAMPED.test(f))!,
    );
    expect(runBackup(["verify", "skriptoteket", good]).status).toBe(0);

    const truncated = path.join(backups, "truncated.dump");
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const t = runBackup(["verify", "skriptoteket", truncated]);
    expect(t.status).toBe(1);
    expect(t.out).toContain(`skriptoteket: ${truncated} does not restore`);

    const garbage = path.join(backups, "garbage.dump");
    fs.writeFileSync(garbage, "PGDMP this is not a dump\n");
    expect(runBackup(["verify", "skriptoteket", garbage]).status).toBe(1);
    expect(
      cluster.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'hemma_restore_check_%'"),
    ).toBe("0");
  });

  it("keeps no file and rotates nothing when a dump fails", () => {
    fs.mkdirSync(backups, { recursive: true });
    for (const s of ["20240101T000000Z", "20240201T000000Z", "20240301T000000Z", "20240401T000000Z"]) {
      fs.writeFileSync(path.join(backups, `missingdb-${s}.dump`), "old");
    }
    const r = runBackup([], { HEMMA_BACKUP_DATABASES: "missingdb skriptoteket" });
    expect(r.status).toBe(1);
    expect(r.out).toContain("missingdb: pg_dump failed");
    expect(dumps("missingdb")).toHaveLength(4);
    expect(fs.readdirSync(backups).filter((f) => f.endsWith(".partial"))).toEqual([]);
    // The other database is still backed up.
    expect(dumps().filter((f) => STAMPED.test(f))).toHaveLength(1);
  });

  it("prints usage for unknown arguments", () => {
    const r = runBackup(["restore"]);
    expect(r.status).toBe(64);
    expect(r.out).toContain("usage: hemma-db-backup.sh");
  });
});
