/**
 * The dev stack's stand-in images on this machine's Docker Engine: built by the loader, then
 * run the way the program runs them (same mounts, env and healthchecks), in containers,
 * volumes and a network of this file's own (random suffix), ports on 127.0.0.1 only.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureImagesBuilt, expectedHashes, loadImages } from "../../scripts/sandbox-images";
import { INPUTS_LABEL, STAND_IN_IMAGES, buildOrder } from "../../scripts/sandbox-images-spec";
import { docker, until } from "./support/private-sandbox";

const RUN = randomBytes(3).toString("hex");
const name = (what: string): string => `hemma-img-${RUN}-${what}`;
const NETWORK = name("net");
const PG = "hemma-dev/postgres:16.14";
const PYTHON = "hemma-dev/python-base:3.11-bookworm";
const PROXY = "hemma-dev/nginx-proxy:1.6.4";
const ACME = "hemma-dev/acme-companion:2.4-selfsigned";
const STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

const containers: string[] = [];
const volumes: string[] = [];
const dirs: string[] = [];

/** Runs docker; returns exit code and output without throwing. */
function dockerTry(
  args: string[],
  input?: string | Buffer,
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("docker", args, { encoding: "utf8", input, timeout: 180_000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** `docker run -d` of a container this file owns (removed in afterAll). */
function runDetached(container: string, args: string[]): void {
  containers.push(container);
  docker(["run", "-d", "--name", container, "--network", NETWORK, ...args]);
}

function volume(what: string): string {
  const v = name(what);
  volumes.push(v);
  docker(["volume", "create", v]);
  return v;
}

function tempDir(what: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `hemma-img-${RUN}-${what}-`));
  dirs.push(d);
  return d;
}

function health(container: string): string {
  return docker(["inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", container]).trim();
}

async function untilHealthy(container: string, ms: number): Promise<void> {
  await until(`${container} to be healthy`, ms, () => {
    const state = docker(["inspect", "-f", "{{.State.Status}}", container]).trim();
    if (state === "exited") throw new Error(`${container} exited:\n${dockerTry(["logs", container]).stderr}`);
    return health(container) === "healthy";
  });
}

function logs(container: string): string {
  const r = dockerTry(["logs", container]);
  return r.stdout + r.stderr;
}

function hostPort(container: string, port: number): number {
  const out = docker(["port", container, `${port}/tcp`])
    .trim()
    .split("\n")[0]!;
  expect(out).toMatch(/^127\.0\.0\.1:\d+$/);
  return Number(out.split(":")[1]);
}

beforeAll(async () => {
  const started = Date.now();
  const report = await ensureImagesBuilt({
    log: (line) => process.stderr.write(`sandbox-images: ${line}\n`),
  });
  process.stderr.write(
    `sandbox-images e2e: ensureImagesBuilt ${((Date.now() - started) / 1000).toFixed(1)}s, built ${report.changed.length}\n`,
  );
  docker(["network", "create", NETWORK]);
}, 1_800_000);

afterAll(() => {
  for (const c of containers) dockerTry(["rm", "-f", "-v", c]);
  for (const v of volumes) dockerTry(["volume", "rm", "-f", v]);
  dockerTry(["network", "rm", NETWORK]);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}, 120_000);

describe("the built images", () => {
  it("carry the inputs label, and a second ensureImagesBuilt builds nothing", async () => {
    for (const image of STAND_IN_IMAGES) {
      const label = docker([
        "image",
        "inspect",
        "-f",
        `{{index .Config.Labels "${INPUTS_LABEL}"}}`,
        image.tag,
      ]);
      expect(label.trim()).toMatch(/^[0-9a-f]{16}$/);
    }
    const lines: string[] = [];
    const again = await ensureImagesBuilt({ log: (l) => lines.push(l) });
    expect(again.changed).toEqual([]);
    expect(lines).toEqual([]);
  });

  it("python-base imports the app stack", () => {
    const out = docker([
      "run",
      "--rm",
      PYTHON,
      "python",
      "-c",
      "import sys, fastapi, uvicorn, psycopg2; print(sys.version_info[:2])",
    ]);
    expect(out.trim()).toBe("(3, 11)");
  });
});

describe("postgres stand-in", () => {
  const data = name("pgdata");
  const initDir = (): string => {
    const d = tempDir("initdb");
    fs.writeFileSync(
      path.join(d, "01-marker.sql"),
      "CREATE TABLE init_runs (at timestamptz DEFAULT now()); INSERT INTO init_runs DEFAULT VALUES;\n",
    );
    fs.writeFileSync(
      path.join(d, "02-role.sh"),
      '#!/bin/bash\nset -e\npsql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "CREATE ROLE from_init_sh"\n',
      { mode: 0o755 },
    );
    fs.chmodSync(d, 0o755);
    return d;
  };
  let init: string;

  /** psql over TCP from another container on the network: the `host all all all` rule applies. */
  const psqlOverTcp = (server: string, password: string, sql: string) =>
    dockerTry([
      "run",
      "--rm",
      "--network",
      NETWORK,
      "-e",
      `PGPASSWORD=${password}`,
      "--entrypoint",
      "psql",
      PG,
      "-h",
      server,
      "-U",
      "postgres",
      "-d",
      "postgres",
      "-XAtc",
      sql,
    ]);

  const execPsql = (container: string, sql: string, db = "postgres") =>
    docker(
      ["exec", "-i", container, "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", db],
      sql,
    );

  const startServer = (container: string, password: string): void =>
    runDetached(container, [
      "-e",
      `POSTGRES_PASSWORD=${password}`,
      "-v",
      `${data}:/var/lib/postgresql/data`,
      "-v",
      `${init}:/docker-entrypoint-initdb.d:ro`,
      // The program's healthcheck (components/docker/shared-postgres.ts), polled faster.
      "--health-cmd",
      "pg_isready -U postgres -d postgres",
      "--health-interval",
      "1s",
      "--health-retries",
      "60",
      PG,
    ]);

  beforeAll(() => {
    init = initDir();
    volumes.push(data);
  });

  it("refuses to initialise an empty data directory without POSTGRES_PASSWORD", () => {
    const r = dockerTry(["run", "--rm", "-v", `${name("pg-nopw")}:/var/lib/postgresql/data`, PG]);
    volumes.push(name("pg-nopw"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Database is uninitialized and superuser password is not specified");
  });

  it("declares the official image's volume, stop signal, port and user", () => {
    const cfg = JSON.parse(docker(["image", "inspect", "-f", "{{json .Config}}", PG])) as {
      Volumes: Record<string, unknown>;
      StopSignal: string;
      ExposedPorts: Record<string, unknown>;
      Entrypoint: string[];
      Cmd: string[];
    };
    expect(Object.keys(cfg.Volumes)).toEqual(["/var/lib/postgresql/data"]);
    expect(cfg.StopSignal).toBe("SIGINT");
    expect(Object.keys(cfg.ExposedPorts)).toEqual(["5432/tcp"]);
    expect(cfg.Entrypoint).toEqual(["docker-entrypoint.sh"]);
    expect(cfg.Cmd).toEqual(["postgres"]);
    expect(docker(["run", "--rm", "--entrypoint", "id", PG, "postgres"]).trim()).toBe(
      "uid=999(postgres) gid=999(postgres) groups=999(postgres)",
    );
    const tools = docker([
      "run",
      "--rm",
      "--entrypoint",
      "sh",
      PG,
      "-c",
      "for t in psql pg_dump pg_restore pg_dumpall pg_isready createdb; do $t --version; done",
    ]);
    expect(tools.trim().split("\n")).toEqual([
      "psql (PostgreSQL) 16.14",
      "pg_dump (PostgreSQL) 16.14",
      "pg_restore (PostgreSQL) 16.14",
      "pg_dumpall (PostgreSQL) 16.14",
      "pg_isready (PostgreSQL) 16.14",
      "createdb (PostgreSQL) 16.14",
    ]);
  });

  it("initialises once with POSTGRES_PASSWORD, runs the init scripts, and turns healthy", async () => {
    startServer(name("pg1"), "first-pw");
    await untilHealthy(name("pg1"), 180_000);
    // pg_isready also answers during init (socket-only temporary server); wait for the real one.
    await until(
      "the server after init",
      120_000,
      () => psqlOverTcp(name("pg1"), "first-pw", "select 1").code === 0,
    );
    const out = logs(name("pg1"));
    expect(out).toContain("running /docker-entrypoint-initdb.d/01-marker.sql");
    expect(out).toContain("running /docker-entrypoint-initdb.d/02-role.sh");
    expect(out).toContain("PostgreSQL init process complete; ready for start up.");
    expect(execPsql(name("pg1"), "select count(*) from init_runs;").trim()).toBe("1");
    expect(execPsql(name("pg1"), "select rolname from pg_roles where rolname = 'from_init_sh';").trim()).toBe(
      "from_init_sh",
    );
  });

  it("runs the server as postgres with UTF8, en_US.utf8, the socket in /var/run/postgresql", () => {
    const c = name("pg1");
    expect(docker(["exec", c, "sh", "-c", "awk '/^Uid:/ {print $2}' /proc/1/status"]).trim()).toBe("999");
    expect(docker(["exec", c, "stat", "-c", "%u:%g %a", "/var/lib/postgresql/data"]).trim()).toBe(
      "999:999 700",
    );
    expect(docker(["exec", c, "test", "-S", "/var/run/postgresql/.s.PGSQL.5432"])).toBe("");
    const facts = execPsql(
      c,
      "select current_user, version() like 'PostgreSQL 16.14 %', pg_encoding_to_char(encoding), datcollate, current_setting('listen_addresses') from pg_database where datname = 'postgres';",
    );
    expect(facts.trim()).toBe("postgres|t|UTF8|en_US.utf8|*");
  });

  it("accepts the password over TCP from another container and refuses a wrong one", () => {
    const ok = psqlOverTcp(name("pg1"), "first-pw", "select 'tcp ok'");
    expect(ok.stdout.trim()).toBe("tcp ok");
    const bad = psqlOverTcp(name("pg1"), "wrong-pw", "select 1");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('password authentication failed for user "postgres"');
  });

  it("round-trips a database through pg_dump and pg_restore, and pg_dumpall lists the roles", () => {
    const c = name("pg1");
    docker(["exec", c, "createdb", "-U", "postgres", "shop"]);
    execPsql(
      c,
      "create table items (id int primary key, name text); insert into items values (1, 'åäö'), (2, 'b');",
      "shop",
    );
    const dump = spawnSync(
      "docker",
      ["exec", c, "pg_dump", "-U", "postgres", "--format=custom", "-d", "shop"],
      {
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      },
    );
    expect(dump.status).toBe(0);
    expect(dump.stdout.subarray(0, 5).toString()).toBe("PGDMP");
    docker(["exec", c, "createdb", "-U", "postgres", "shop_restored"]);
    const restore = spawnSync(
      "docker",
      [
        "exec",
        "-i",
        c,
        "pg_restore",
        "-U",
        "postgres",
        "-d",
        "shop_restored",
        "--exit-on-error",
        "--no-owner",
      ],
      { input: dump.stdout, timeout: 120_000 },
    );
    expect(restore.status).toBe(0);
    expect(execPsql(c, "select string_agg(name, ',' order by id) from items;", "shop_restored").trim()).toBe(
      "åäö,b",
    );
    expect(docker(["exec", c, "pg_dumpall", "-U", "postgres", "--globals-only"])).toContain(
      "CREATE ROLE from_init_sh;",
    );
  });

  it("keeps the data and the first password in a new container on the same volume, without re-initialising", async () => {
    execPsql(name("pg1"), "create table kept (v text); insert into kept values ('survived');");
    docker(["stop", "-t", "60", name("pg1")]);
    expect(logs(name("pg1"))).toContain("database system is shut down");
    docker(["rm", name("pg1")]);
    startServer(name("pg2"), "second-pw");
    await untilHealthy(name("pg2"), 180_000);
    expect(logs(name("pg2"))).toContain("Skipping initialization");
    expect(logs(name("pg2"))).not.toContain("running /docker-entrypoint-initdb.d/");
    expect(execPsql(name("pg2"), "select v from kept;").trim()).toBe("survived");
    expect(execPsql(name("pg2"), "select count(*) from init_runs;").trim()).toBe("1");
    expect(psqlOverTcp(name("pg2"), "first-pw", "select 'still first'").stdout.trim()).toBe("still first");
    expect(psqlOverTcp(name("pg2"), "second-pw", "select 1").code).not.toBe(0);
  });
});

describe("nginx-proxy and the acme-companion stand-in", () => {
  const hostA = `a-${RUN}.hemma.test`;
  const hostB = `b-${RUN}.hemma.test`;
  const proxy = name("proxy");
  const certs = name("certs");
  let vhostDir: string;
  let httpPort: number;
  let httpsPort: number;

  const BACKEND = [
    "import http.server, os",
    "class H(http.server.BaseHTTPRequestHandler):",
    "    def do_GET(self):",
    "        body = os.environ['BODY'].encode()",
    "        self.send_response(200)",
    "        self.send_header('Content-Length', str(len(body)))",
    "        self.end_headers()",
    "        self.wfile.write(body)",
    "    def log_message(self, *args):",
    "        pass",
    "http.server.ThreadingHTTPServer(('', 8080), H).serve_forever()",
  ].join("\n");

  const backend = (what: string, env: string[]): void =>
    runDetached(name(what), [
      ...env.flatMap((e) => ["-e", e]),
      "-e",
      `BODY=${what}`,
      PYTHON,
      "python3",
      "-c",
      BACKEND,
    ]);

  /** curl on this machine; returns status, headers and body. */
  const curl = (args: string[]) => {
    const r = spawnSync("curl", ["-s", "-D", "-", "--max-time", "10", ...args], {
      encoding: "utf8",
      timeout: 30_000,
    });
    const text = r.stdout ?? "";
    const split = text.indexOf("\r\n\r\n");
    const head = split >= 0 ? text.slice(0, split) : text;
    return {
      status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(head)?.[1] ?? 0),
      headers: head.toLowerCase(),
      body: split >= 0 ? text.slice(split + 4) : "",
      stderr: r.stderr ?? "",
    };
  };
  const http = (host: string) => curl(["-H", `Host: ${host}`, `http://127.0.0.1:${httpPort}/`]);
  const https = (host: string, extra: string[] = []) =>
    curl(["-k", ...extra, "--resolve", `${host}:${httpsPort}:127.0.0.1`, `https://${host}:${httpsPort}/`]);

  beforeAll(async () => {
    vhostDir = tempDir("vhost");
    const confd = tempDir("confd");
    const htpasswd = tempDir("htpasswd");
    fs.chmodSync(vhostDir, 0o755);
    fs.writeFileSync(path.join(vhostDir, hostA), 'add_header X-Hemma-Vhost "from-vhost-d" always;\n');
    volume("certs");
    volume("html");
    // The program's proxy container (components/docker/nginx-proxy.ts), ports on loopback only.
    runDetached(proxy, [
      "-p",
      "127.0.0.1::80",
      "-p",
      "127.0.0.1::443",
      "-v",
      "/var/run/docker.sock:/tmp/docker.sock:ro",
      "-v",
      `${certs}:/etc/nginx/certs:ro`,
      "-v",
      `${name("html")}:/usr/share/nginx/html`,
      "-v",
      `${vhostDir}:/etc/nginx/vhost.d`,
      "-v",
      `${confd}:/etc/nginx/conf.d`,
      "-v",
      `${htpasswd}:/etc/nginx/htpasswd:ro`,
      "--health-cmd",
      "curl -s -o /dev/null --max-time 5 http://127.0.0.1/ || exit 1",
      "--health-interval",
      "2s",
      PROXY,
    ]);
    httpPort = hostPort(proxy, 80);
    httpsPort = hostPort(proxy, 443);
    backend("backend-a", [`VIRTUAL_HOST=${hostA}`, "VIRTUAL_PORT=8080", `LETSENCRYPT_HOST=${hostA}`]);
    await untilHealthy(proxy, 180_000);
  }, 300_000);

  it("routes HTTP by Host header, with the vhost.d file of that host included", async () => {
    await until(`HTTP for ${hostA}`, 120_000, () => http(hostA).status === 200);
    const res = http(hostA);
    expect(res.body).toBe("backend-a");
    expect(res.headers).toContain("x-hemma-vhost: from-vhost-d");
  });

  it("declares nginx-proxy's entrypoint, command, stop signal, socket and nginx user, and logs requests to stdout", async () => {
    await until(`HTTP for ${hostA}`, 120_000, () => http(hostA).status === 200);
    const cfg = JSON.parse(docker(["image", "inspect", "-f", "{{json .Config}}", PROXY])) as {
      Entrypoint: string[];
      Cmd: string[];
      StopSignal: string;
      Env: string[];
    };
    expect(cfg.Entrypoint).toEqual(["/app/docker-entrypoint.sh"]);
    expect(cfg.Cmd).toEqual(["forego", "start", "-r"]);
    expect(cfg.StopSignal).toBe("SIGQUIT");
    expect(cfg.Env).toEqual(
      expect.arrayContaining(["DOCKER_HOST=unix:///tmp/docker.sock", "NGINX_PROXY_VERSION=1.6.4"]),
    );
    expect(docker(["exec", proxy, "id", "nginx"]).trim()).toBe(
      "uid=101(nginx) gid=101(nginx) groups=101(nginx)",
    );
    expect(docker(["exec", proxy, "sh", "-c", "nginx -v 2>&1"]).trim()).toMatch(
      /^nginx version: nginx\/1\.(2[6-9]|[3-9]\d)\./,
    );
    expect(dockerTry(["logs", proxy]).stdout).toMatch(
      new RegExp(`${hostA.replace(/[.]/g, "\\.")} \\S+ - - \\[[^\\]]+\\] "GET / HTTP/1\\.1" 200 `),
    );
  });

  it("answers an unknown host with nginx-proxy's default 503", () => {
    const res = http(`unknown-${RUN}.hemma.test`);
    expect(res.status).toBe(503);
    expect(res.headers).not.toContain("x-hemma-vhost");
  });

  it("refuses to start the companion without NGINX_PROXY_CONTAINER", () => {
    const r = dockerTry(["run", "--rm", "-v", "/var/run/docker.sock:/var/run/docker.sock:ro", ACME]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("NGINX_PROXY_CONTAINER is not set");
  });

  it("makes a self-signed certificate for LETSENCRYPT_HOST, reloads the proxy, and HTTPS answers 200", async () => {
    const acme = name("acme");
    volume("acme");
    // The program's companion container (components/docker/acme-companion.ts).
    runDetached(acme, [
      "-e",
      "DEFAULT_EMAIL=ops@hemma.test",
      "-e",
      `NGINX_PROXY_CONTAINER=${proxy}`,
      "-e",
      `ACME_CA_URI=${STAGING}`,
      "-v",
      "/var/run/docker.sock:/var/run/docker.sock:ro",
      "-v",
      `${certs}:/etc/nginx/certs`,
      "-v",
      `${name("html")}:/usr/share/nginx/html`,
      "-v",
      `${vhostDir}:/etc/nginx/vhost.d`,
      "-v",
      `${name("acme")}:/etc/acme.sh`,
      "--health-cmd",
      "pgrep -f letsencrypt_service >/dev/null && pgrep -f docker-gen >/dev/null",
      "--health-interval",
      "2s",
      ACME,
    ]);
    await untilHealthy(acme, 120_000);
    await until(`HTTPS for ${hostA}`, 180_000, () => https(hostA).status === 200);

    const res = https(hostA, ["-v"]);
    expect(res.body).toBe("backend-a");
    expect(res.headers).toContain("x-hemma-vhost: from-vhost-d");
    expect(res.stderr).toContain(`subject: CN=${hostA}`);
    // With a certificate nginx-proxy redirects plain HTTP to HTTPS.
    expect(http(hostA).status).toBe(301);

    const layout = docker([
      "exec",
      acme,
      "sh",
      "-c",
      `cd /etc/nginx/certs && ls ${hostA} && readlink ${hostA}.crt ${hostA}.key ${hostA}.chain.pem && openssl x509 -noout -subject -ext subjectAltName -in ${hostA}/fullchain.pem && ls default.crt default.key`,
    ]);
    expect(layout.split("\n")).toEqual(
      expect.arrayContaining([
        "fullchain.pem",
        "key.pem",
        "chain.pem",
        `./${hostA}/fullchain.pem`,
        `./${hostA}/key.pem`,
        `./${hostA}/chain.pem`,
        `subject=CN=${hostA}`,
        `    DNS:${hostA}`,
        "default.crt",
        "default.key",
      ]),
    );
    // What the companion did is on its stdout.
    const out = dockerTry(["logs", acme]).stdout;
    expect(out).toContain(`ACME_CA_URI=${STAGING}`);
    expect(out).toContain(`Created a self-signed certificate for ${hostA}`);
    expect(out).toContain(`Reloading nginx proxy (${proxy})...`);
  });

  it("makes each certificate once", async () => {
    const acme = name("acme");
    docker(["exec", acme, "/app/signal_le_service"]);
    // The service runs once more on the signal; nothing may be re-issued.
    await new Promise((r) => setTimeout(r, 3000));
    expect(logs(acme).split(`Created a self-signed certificate for ${hostA}`).length - 1).toBe(1);
  });

  it("routes to a second backend started later, without restarting the proxy", async () => {
    const startedAt = docker(["inspect", "-f", "{{.State.StartedAt}} {{.RestartCount}}", proxy]).trim();
    backend("backend-b", [`VIRTUAL_HOST=${hostB}`, "VIRTUAL_PORT=8080"]);
    await until(`HTTP for ${hostB}`, 120_000, () => http(hostB).status === 200);
    expect(http(hostB).body).toBe("backend-b");
    expect(https(hostA).body).toBe("backend-a");
    expect(docker(["inspect", "-f", "{{.State.StartedAt}} {{.RestartCount}}", proxy]).trim()).toBe(startedAt);
  });
});

describe("loadImages into another Docker Engine", () => {
  const dind = name("dind");
  const target = ["docker", "exec", "-i", dind, "docker"];
  const labelIn = (tag: string): string =>
    docker([
      "exec",
      dind,
      "docker",
      "image",
      "inspect",
      "-f",
      `{{index .Config.Labels "${INPUTS_LABEL}"}}`,
      tag,
    ]).trim();

  beforeAll(async () => {
    // A Docker Engine with the sandbox's storage driver, in a container of its own.
    runDetached(dind, [
      "--cap-add",
      "SYS_ADMIN",
      "--cap-add",
      "NET_ADMIN",
      "--security-opt",
      "seccomp=unconfined",
      "--security-opt",
      "apparmor=unconfined",
      "--tmpfs",
      "/run",
      "hemma-dev/debian:bookworm",
      "sh",
      "-c",
      "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null && exec dockerd --storage-driver vfs --iptables=false --bridge=none",
    ]);
    await until("the inner Docker Engine", 300_000, () => {
      if (docker(["inspect", "-f", "{{.State.Status}}", dind]).trim() === "exited") {
        throw new Error(`${dind} exited:\n${logs(dind)}`);
      }
      return dockerTry(["exec", dind, "docker", "version"]).code === 0;
    });
  }, 360_000);

  it("copies every image, in build order, with one progress line each, then nothing on a second run", async () => {
    const lines: string[] = [];
    const started = Date.now();
    const first = await loadImages(target, { log: (l) => lines.push(l) });
    process.stderr.write(
      `sandbox-images e2e: loadImages into vfs ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
    );
    const order = buildOrder(STAND_IN_IMAGES).map((i) => i.tag);
    expect(first.changed).toEqual(order);
    const hashes = expectedHashes();
    expect(lines).toEqual(
      order.map((tag) =>
        expect.stringMatching(
          new RegExp(
            `^loaded ${tag.replace(/[.]/g, "\\.")} \\(inputs ${hashes.get(tag)}\\) into docker exec -i ${dind} docker in \\d+\\.\\ds$`,
          ),
        ),
      ),
    );
    for (const tag of order) expect(labelIn(tag)).toBe(hashes.get(tag));

    const quiet: string[] = [];
    const second = await loadImages(target, { log: (l) => quiet.push(l) });
    expect(second.changed).toEqual([]);
    expect(second.upToDate).toEqual(order);
    expect(quiet).toEqual([]);
  });

  it("replaces an image whose label differs there, and removes the one it replaced", async () => {
    const tag = "hemma-dev/python-base:3.11-bookworm";
    // An empty image under the same tag with another label stands for an old build.
    const stale = spawnSync(
      "sh",
      [
        "-c",
        `tar -cf - --files-from /dev/null | docker exec -i ${dind} docker import --change 'LABEL ${INPUTS_LABEL}=0000000000000000' - ${tag}`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(stale.status).toBe(0);
    const staleId = stale.stdout.trim();
    expect(labelIn(tag)).toBe("0000000000000000");

    const report = await loadImages(target, { log: () => undefined });
    expect(report.changed).toEqual([tag]);
    expect(labelIn(tag)).toBe(expectedHashes().get(tag));
    expect(dockerTry(["exec", dind, "docker", "image", "inspect", staleId]).code).not.toBe(0);
  });

  it("refuses a target without a Docker Engine, naming it", async () => {
    await expect(loadImages(["docker", "exec", "-i", name("absent"), "docker"])).rejects.toThrow(
      `no Docker Engine answers at the target (docker exec -i ${name("absent")} docker)`,
    );
  });
});
