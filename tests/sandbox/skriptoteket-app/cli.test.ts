/**
 * `python -m skriptoteket.cli <command>` of the stand-in, run as the host's cleanup timers run it
 * (`docker exec -e PYTHONPATH=/app/src <web> pdm run python -m skriptoteket.cli <command>`).
 */
import * as fs from "fs";
import * as path from "path";
import { createWorld, type AppWorld } from "./harness";

let world: AppWorld;

beforeAll(async () => {
  world = await createWorld("hemma-app-cli-");
  expect(world.pdm(["run", "db-upgrade"]).status).toBe(0);
}, 60000);

afterAll(async () => {
  await world?.teardown();
});

const db = (sql: string) => world.cluster.sql("skriptoteket", sql);
const cli = (...args: string[]) =>
  world.pdm(["run", "python", "-m", "skriptoteket.cli", ...args], {
    env: { PYTHONPATH: path.join(world.appDir, "src") },
  });

describe("skriptoteket.cli", () => {
  it("cleanup-sandbox-snapshots deletes only expired snapshots and prints how many", () => {
    db(
      "INSERT INTO sandbox_snapshots (payload_bytes, expires_at) VALUES (1, now() - interval '1 minute'), (2, now() - interval '2 days'), (3, now() + interval '1 hour')",
    );
    const r = cli("cleanup-sandbox-snapshots");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("Cleanup sandbox snapshots complete: deleted=2\n");
    expect(db("SELECT string_agg(payload_bytes::text, ',') FROM sandbox_snapshots")).toBe("3");
    expect(cli("cleanup-sandbox-snapshots").stdout).toBe("Cleanup sandbox snapshots complete: deleted=0\n");
  });

  it("cleanup-login-events deletes events older than LOGIN_EVENTS_RETENTION_DAYS (default 90)", () => {
    db(
      "INSERT INTO login_events (status, created_at) VALUES ('old', now() - interval '91 days'), ('recent', now() - interval '89 days'), ('new', now())",
    );
    const r = cli("cleanup-login-events");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("Cleanup login events complete: deleted=1\n");
    expect(db("SELECT string_agg(status, ',' ORDER BY id) FROM login_events")).toBe("recent,new");
  });

  it("cleanup-session-files deletes session files older than SESSION_FILES_TTL_SECONDS and the directories left empty", () => {
    const root = world.artifactsRoot;
    const file = (rel: string, bytes: number, ageSeconds: number) => {
      const p = path.join(root, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, "z".repeat(bytes));
      const t = Date.now() / 1000 - ageSeconds;
      fs.utimesSync(p, t, t);
    };
    const DAY = 86400;
    file("sessions/tool-a/user-1/default/old.csv", 100, 2 * DAY);
    file("sessions/tool-a/user-1/default/meta.json", 10, 2 * DAY);
    file("sessions/tool-b/user-2/default/fresh.csv", 50, 60);
    file("sessions/tool-b/user-2/default/stale.csv", 7, DAY + 60);
    file("runs/not-a-session.txt", 5, 10 * DAY);

    const r = cli("cleanup-session-files");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      `Cleanup session files complete: deleted_files=3 deleted_bytes=117 artifacts_root=${root}\n`,
    );
    const left = (fs.readdirSync(root, { recursive: true }) as string[]).sort();
    expect(left).toEqual([
      "runs",
      "runs/not-a-session.txt",
      "sessions",
      "sessions/tool-b",
      "sessions/tool-b/user-2",
      "sessions/tool-b/user-2/default",
      "sessions/tool-b/user-2/default/fresh.csv",
    ]);

    // A shorter TTL from the environment applies.
    const short = world.pdm(["run", "python", "-m", "skriptoteket.cli", "cleanup-session-files"], {
      env: { PYTHONPATH: path.join(world.appDir, "src"), SESSION_FILES_TTL_SECONDS: "30" },
    });
    expect(short.stdout).toBe(
      `Cleanup session files complete: deleted_files=1 deleted_bytes=50 artifacts_root=${root}\n`,
    );
  });

  it("exits 2 with usage on an unknown or missing command, and 1 when the database is unreachable", () => {
    const unknown = cli("cleanup-everything");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("invalid choice: 'cleanup-everything'");
    expect(cli().status).toBe(2);
    const down = world.pdm(["run", "python", "-m", "skriptoteket.cli", "cleanup-login-events"], {
      env: {
        PYTHONPATH: path.join(world.appDir, "src"),
        DATABASE_URL: "postgresql+asyncpg://u:p@127.0.0.1:1/db",
      },
    });
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(
      /^skriptoteket.cli cleanup-login-events: database error: .*Connection refused/,
    );
  });
});
