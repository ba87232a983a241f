import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderAppDatabaseSql } from "../../../components/docker/app-database-sql";

// Runs the rendered SQL against a throw-away PostgreSQL cluster on a Unix socket (no network,
// no Docker). Needs the Debian postgresql package; without it the suite says so and skips.
const initdb = ["17", "16", "15", "14"]
  .map((v) => `/usr/lib/postgresql/${v}/bin/initdb`)
  .find((p) => fs.existsSync(p));
const bin = initdb ? path.dirname(initdb) : "";
const asRoot = process.getuid?.() === 0;
const describePg = initdb ? describe : describe.skip;
if (!initdb)
  console.warn("app-database-sql.pg.test: no PostgreSQL server binaries under /usr/lib/postgresql; skipped");

function run(cmd: string, args: string[], input?: string, env: Record<string, string> = {}) {
  const [c, a] = asRoot
    ? [
        "runuser",
        ["-u", "postgres", "--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args],
      ]
    : [cmd, args];
  return spawnSync(c, a, {
    input: input ?? "",
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 30000,
  });
}

describePg("rendered SQL against a real PostgreSQL", () => {
  let dir: string;
  const port = String(40000 + (process.pid % 20000));
  const psql = (sql: string, user = "postgres", env: Record<string, string> = {}) =>
    run(
      `${bin}/psql`,
      [
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        dir,
        "-p",
        port,
        "-U",
        user,
        "-d",
        user === "postgres" ? "postgres" : "skriptoteket",
        "-tA",
      ],
      sql,
      env,
    );

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-pg-"));
    if (asRoot) execFileSync("chown", ["postgres", dir]);
    const init = run(initdb!, ["-D", `${dir}/data`, "-A", "trust", "-U", "postgres", "--no-sync"]);
    expect(init.stderr).not.toMatch(/FATAL|error/i);
    fs.writeFileSync(`${dir}/data/pg_hba.conf`, "local all postgres trust\nlocal all all scram-sha-256\n");
    const start = run(`${bin}/pg_ctl`, [
      "-D",
      `${dir}/data`,
      "-w",
      "-l",
      `${dir}/log`,
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=`,
      "start",
    ]);
    expect(start.status).toBe(0);
  }, 60000);

  afterAll(() => {
    if (dir) {
      run(`${bin}/pg_ctl`, ["-D", `${dir}/data`, "-m", "fast", "stop"]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const password = `it's a \\ "tricky" $pw @:/`;

  test("creates role and owned database, and is idempotent", () => {
    const sql = renderAppDatabaseSql({ database: "skriptoteket", role: "skriptoteket", password });
    for (let i = 0; i < 2; i++) {
      const r = psql(sql);
      expect([r.status, r.stderr]).toEqual([0, ""]);
    }
    const q = psql(
      "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'skriptoteket'; SELECT rolcanlogin FROM pg_roles WHERE rolname = 'skriptoteket';",
    );
    expect(q.stdout).toBe("skriptoteket\nt\n");
  });

  test("the role logs in with exactly the password, and a new password replaces it", () => {
    expect(psql("SELECT current_user", "skriptoteket", { PGPASSWORD: password }).stdout).toBe(
      "skriptoteket\n",
    );
    expect(psql("SELECT 1", "skriptoteket", { PGPASSWORD: "wrong" }).status).not.toBe(0);
    expect(
      psql(renderAppDatabaseSql({ database: "skriptoteket", role: "skriptoteket", password: "second" }))
        .status,
    ).toBe(0);
    expect(psql("SELECT 1", "skriptoteket", { PGPASSWORD: password }).status).not.toBe(0);
    expect(psql("SELECT current_user", "skriptoteket", { PGPASSWORD: "second" }).stdout).toBe(
      "skriptoteket\n",
    );
  });
});
