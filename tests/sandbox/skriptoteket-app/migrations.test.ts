/** `pdm run db-upgrade` of the stand-in against a real PostgreSQL 15. */
import { COMMIT_B } from "../../../sandbox/app-repo";
import { DB_PASSWORD, createWorld, type AppWorld } from "./harness";

let world: AppWorld;

beforeAll(async () => {
  world = await createWorld("hemma-app-migrate-");
}, 60000);

afterAll(async () => {
  await world?.teardown();
});

const db = (sql: string) => world.cluster.sql("skriptoteket", sql);
const tables = () =>
  db(
    "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'",
  );
const columns = (table: string) =>
  db(
    `SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '${table}'`,
  );
const recorded = () =>
  db("SELECT string_agg(version || ':' || name, ',' ORDER BY version) FROM schema_migrations");

/** B's overlay as plain text files. */
const bOverlay = Object.fromEntries(Object.entries(COMMIT_B.overlay!).map(([k, v]) => [k, String(v)]));

describe("db-upgrade", () => {
  it("applies 0001 once, in order, recording it; a second run is a no-op that exits 0", () => {
    const first = world.pdm(["run", "db-upgrade"]);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toBe("db-upgrade: applied 0001_initial\ndb-upgrade: 1 applied; database at 0001\n");
    expect(tables()).toBe("login_events,notes,sandbox_snapshots,schema_migrations,tool_run_jobs");
    expect(recorded()).toBe("0001:0001_initial");
    const appliedAt = db("SELECT applied_at FROM schema_migrations");

    const second = world.pdm(["run", "db-upgrade"]);
    expect(second.status).toBe(0);
    expect(second.stdout).toBe("db-upgrade: nothing to apply; database at 0001\n");
    expect(recorded()).toBe("0001:0001_initial");
    expect(db("SELECT applied_at FROM schema_migrations")).toBe(appliedAt);
  });

  it("stops at a failing migration with a non-zero exit naming the file, and leaves the schema unchanged", () => {
    const broken = world.variant("broken", {
      "migrations/0002_broken.sql":
        "ALTER TABLE notes ADD COLUMN half_done text;\nSELECT no_such_function();\n",
      "migrations/0003_after.sql": "CREATE TABLE never_reached (id int);\n",
    });
    const before = { tables: tables(), notes: columns("notes") };
    const r = world.pdm(["run", "db-upgrade"], { appDir: broken });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      "db-upgrade: migration 0002_broken.sql failed and was rolled back; nothing of it was applied\n",
    );
    expect(r.stderr).toContain("function no_such_function() does not exist");
    expect({ tables: tables(), notes: columns("notes") }).toEqual(before);
    expect(recorded()).toBe("0001:0001_initial");
  });

  it("applies release B's migration on top of A; A's db-upgrade then leaves the newer schema alone", () => {
    const b = world.variant("release-b", bOverlay);
    const r = world.pdm(["run", "db-upgrade"], { appDir: b });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("db-upgrade: applied 0002_notes_author\ndb-upgrade: 1 applied; database at 0002\n");
    expect(columns("notes")).toBe("id,text,created_at,author");

    const a = world.pdm(["run", "db-upgrade"]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(
      "db-upgrade: the database also has 0002, which this release does not ship; leaving it\n" +
        "db-upgrade: nothing to apply; database at 0001\n",
    );
    expect(recorded()).toBe("0001:0001_initial,0002:0002_notes_author");
  });

  it("runs once when two start at the same time (two one-shot containers)", async () => {
    const extra = world.variant("concurrent", {
      ...bOverlay,
      "migrations/0003_slow.sql":
        "SELECT pg_sleep(0.5);\nCREATE TABLE applied_once (id int);\nINSERT INTO applied_once VALUES (1);\n",
    });
    const runs = [0, 1].map(() => world.start(["run", "db-upgrade"], { appDir: extra }));
    const exits = await Promise.all(runs.map((p) => p.exited));
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    const outputs = runs.map((p) => p.output()).sort();
    expect(outputs).toEqual([
      "db-upgrade: applied 0003_slow\ndb-upgrade: 1 applied; database at 0003\n",
      "db-upgrade: nothing to apply; database at 0003\n",
    ]);
    expect(db("SELECT count(*) FROM applied_once")).toBe("1");
  });

  it("exits 1 on a wrong password without printing any password, and 2 without DATABASE_URL", () => {
    const wrong = world.databaseUrl.replace(encodeURIComponent(DB_PASSWORD), "not-it");
    const r = world.pdm(["run", "db-upgrade"], { env: { DATABASE_URL: wrong } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^db-upgrade: cannot connect to the database: .*password authentication failed/);
    expect(r.stderr).not.toContain("not-it");
    expect(r.stderr + r.stdout).not.toContain(DB_PASSWORD);

    const unset = world.pdm(["run", "db-upgrade"], { env: { DATABASE_URL: "" } });
    expect(unset.status).toBe(2);
    expect(unset.stderr).toBe("db-upgrade: DATABASE_URL is not set\n");
  });
});
