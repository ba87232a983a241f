/**
 * hemma's Docker layer converged by the real engine through the `pulumi` CLI on the project
 * directory, on a sandbox of this file's own that runs its own Docker Engine like hemma:
 * a fresh `up` of every layer (dns on the sandbox's local Cloudflare API included), the app through the real nginx-proxy over HTTP and HTTPS,
 * an empty refreshing preview, hand changes to containers reported by `npm run drift` (exit 2)
 * and repaired by `up`, data that survives `destroy` and a replacement of shared-postgres, and
 * the host's backup and cleanup units acting on those same containers. Tests run in order.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { startProjectStack, type ProjectStack, type Ran } from "./support/project-stack";

const APP = "skriptoteket.hemma.test";
const STACK = "dev";
const WEB = "education.hule.hemma.service=skriptoteket-web";
const WORKER = "education.hule.hemma.service=skriptoteket-worker";

let s: ProjectStack;

/** `pulumi up --refresh` as the README tells users; fails the test with the CLI's output otherwise. */
function up(): string {
  const r = s.pulumi(["up", "--stack", STACK, "--yes", "--refresh", "--skip-preview"]);
  if (r.code !== 0)
    throw new Error(`pulumi up failed (exit ${r.code}):\n${r.stdout.slice(-6000)}\n${r.stderr}`);
  return r.stdout;
}

/** A curl through the sandbox's published nginx-proxy port. */
function curl(args: string[]): Ran {
  const r = spawnSync("curl", ["--silent", "--show-error", "--max-time", "20", ...args], {
    encoding: "utf8",
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** HTTPS to the app by its name, SNI included, through the proxy; `-k`: dev's certificate is self-signed. */
function https(pathAndQuery: string, extra: string[] = []): Ran {
  const port = s.info.httpsPort;
  return curl([
    "--insecure",
    "--resolve",
    `${APP}:${port}:127.0.0.1`,
    "--write-out",
    "\n%{http_code}",
    ...extra,
    `https://${APP}:${port}${pathAndQuery}`,
  ]);
}

/** Status code and body of an HTTPS request. */
function get(pathAndQuery: string, extra: string[] = []): { status: number; body: string } {
  const r = https(pathAndQuery, extra);
  const cut = r.stdout.lastIndexOf("\n");
  return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
}

/** Names of the sandbox's containers with label `label` (`key=value`). */
function containersWith(label: string): string[] {
  return s.shOk(`docker ps --all --filter label=${label} --format '{{.Names}}'`).split("\n").filter(Boolean);
}

/** Every named volume of the sandbox's Docker Engine. */
function volumes(): string[] {
  return s.shOk("docker volume ls --format '{{.Name}}'").split("\n").filter(Boolean).sort();
}

/** `npm run drift -- dev`: its exit code and report. */
function drift(): Ran {
  return s.drift();
}

/** Waits until `check` holds, polling every second. */
async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
}

const NAMED_VOLUMES = [
  "infrastructure_acme_state",
  "infrastructure_nginx_certs",
  "infrastructure_nginx_html",
  "infrastructure_postgres_data",
  "skriptoteket_artifacts_data",
];

beforeAll(() => {
  s = startProjectStack("docker");
}, 900_000);

afterAll(() => s?.remove());

test("1. a fresh sandbox converges every layer in one `pulumi up`", () => {
  const out = up();
  expect(out).toMatch(/Resources:\n\s+\+ \d+ created/);
  // The dns layer ran too: the host record and the four vhost CNAMEs are in the local API's zone.
  const zone = JSON.parse(fs.readFileSync(s.info.cloudflareApi!.stateFile, "utf8")) as {
    zones: Record<string, { records: { name: string; type: string }[] }>;
  };
  expect(
    Object.values(zone.zones)
      .flatMap((z) => z.records.map((r) => `${r.type} ${r.name}`))
      .sort(),
  ).toEqual([
    "A hemma.test",
    "CNAME grafana.hemma.test",
    "CNAME jaeger.hemma.test",
    "CNAME prometheus.hemma.test",
    "CNAME skriptoteket.hemma.test",
  ]);
  for (const name of ["shared-postgres", "nginx-proxy", "acme-companion"])
    expect(s.shOk(`docker inspect -f '{{.State.Health.Status}}' ${name}`)).toBe("healthy");
  expect(containersWith(WEB)).toHaveLength(1);
  expect(containersWith(WORKER)).toHaveLength(1);
  expect(volumes()).toEqual(expect.arrayContaining(NAMED_VOLUMES));
  // Built at the commit from the repository, never pulled: only local tags exist.
  expect(s.shOk("docker image ls --format '{{.Repository}}' | sort -u").split("\n")).toEqual(
    expect.arrayContaining(["hemma-dev/skriptoteket-web", "hemma-dev/skriptoteket-runner"]),
  );
});

test("2. through nginx-proxy, the app answers from commit A over HTTPS; HTTP redirects there as in prod", async () => {
  // The companion makes the self-signed certificate and re-renders the proxy a moment after up.
  await until("HTTPS from the app", 120_000, () => get("/").status === 200);
  const page = get("/");
  expect(page.body).toContain(`<strong id="release">A</strong>`);
  const headers = https("/healthz", ["--dump-header", "-"]).stdout.toLowerCase();
  expect(headers).toContain("strict-transport-security: max-age=31536000; includesubdomains");
  expect(headers).toContain("x-frame-options: deny");
  const plain = curl([
    "--header",
    `Host: ${APP}`,
    "--write-out",
    "%{http_code} %{redirect_url}",
    "--output",
    "/dev/null",
    `http://127.0.0.1:${s.info.httpPort}/`,
  ]);
  expect(plain.stdout).toBe(`301 https://${APP}/`);
  // The edge's probe drop runs in nginx-proxy's own generated config: the connection is closed.
  const probe = https("/.env");
  expect(probe.code).not.toBe(0);
  expect(probe.stdout.trim()).toBe("000");
});

test("3. a second refreshing preview expects no changes and gets none", () => {
  const r = s.pulumi(["preview", "--stack", STACK, "--refresh", "--expect-no-changes"]);
  expect([r.code, r.stderr]).toEqual([0, ""]);
  const d = drift();
  expect([d.code, d.stdout.split("\n")[0]]).toEqual([0, "drift: none"]);
});

test("4. a stopped web container is drift, and up starts it again", async () => {
  const [web] = containersWith(WEB);
  s.shOk(`docker stop ${web}`);
  const d = drift();
  expect(d.code).toBe(2);
  expect(d.stdout).toMatch(
    new RegExp(
      `update urn:pulumi:dev::hemma::.*docker:index/container:Container::skriptoteket-web-[0-9a-f]{7}: .*mustRun`,
    ),
  );
  up();
  expect(s.shOk(`docker inspect -f '{{.State.Running}}' ${web}`)).toBe("true");
  await until(
    "the restarted web container to be healthy",
    120_000,
    () => s.sh(`docker inspect -f '{{.State.Health.Status}}' ${web}`).stdout.trim() === "healthy",
  );
  expect(drift().code).toBe(0);
});

test("5. a removed container is drift, and up creates it again", () => {
  const [worker] = containersWith(WORKER);
  s.shOk(`docker rm --force ${worker}`);
  const d = drift();
  expect(d.code).toBe(2);
  expect(d.stdout).toMatch(
    /create urn:pulumi:dev::hemma::.*docker:index\/container:Container::skriptoteket-worker-[0-9a-f]{7}/,
  );
  up();
  expect(containersWith(WORKER)).toHaveLength(1);
  expect(drift().code).toBe(0);
});

test("6. a container recreated by hand with other env is drift; up keeps its inspect, removes it and recreates the managed one", () => {
  const volume = "infrastructure_postgres_data";
  s.shOk(
    `docker rm --force shared-postgres && docker run --detach --name shared-postgres --network hule-network ` +
      `--mount type=volume,source=${volume},target=/var/lib/postgresql/data --env POSTGRES_PASSWORD=by-hand --env TUNED=by-hand hemma-dev/postgres:16.14`,
  );
  const d = drift();
  expect(d.code).toBe(2);
  expect(d.stdout).toMatch(
    /create urn:pulumi:dev::hemma::.*docker:index\/container:Container::shared-postgres/,
  );
  expect(d.stdout).toMatch(
    /update urn:pulumi:dev::hemma::pulumi-nodejs:dynamic\/host:StrayContainers::stray-containers: strays/,
  );
  up();
  const env = s.shOk("docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' shared-postgres");
  expect(env).not.toContain("TUNED=by-hand");
  expect(
    s.shOk(
      "docker inspect -f '{{index .Config.Labels \"education.hule.hemma.managed-by\"}}' shared-postgres",
    ),
  ).toBe("hemma-infra");
  const kept = s.shOk("ls /var/lib/hemma-infra/stray-containers");
  expect(kept).toMatch(/^shared-postgres-[0-9a-f]{12}-\d{8}T\d{6}Z\.json$/m);
  expect(s.shOk(`grep -c TUNED=by-hand /var/lib/hemma-infra/stray-containers/${kept.split("\n")[0]}`)).toBe(
    "1",
  );
  expect(drift().code).toBe(0);
});

test("7. a network disconnected by hand is drift, and up reconnects it with its alias", async () => {
  const [web] = containersWith(WEB);
  s.shOk(`docker network disconnect hule-network ${web}`);
  await until("the proxy to notice the web container left", 60_000, () => get("/healthz").status >= 500);
  const d = drift();
  expect(d.code).toBe(2);
  expect(d.stdout).toMatch(/ContainerNetworks::skriptoteket-web-[0-9a-f]{7}-networks: networks/);
  up();
  expect(
    s.shOk(`docker inspect -f '{{json (index .NetworkSettings.Networks "hule-network").Aliases}}' ${web}`),
  ).toContain('"skriptoteket-web"');
  await until("the app to answer again", 60_000, () => get("/healthz").status === 200);
  expect(drift().code).toBe(0);
});

test("8. a row written through the app survives destroy and a new up; no named volume is removed", async () => {
  const note = `survivor-${Date.now()}`;
  const posted = get("/notes", [
    "--header",
    "Content-Type: application/json",
    "--data",
    JSON.stringify({ text: note }),
  ]);
  expect(posted.status).toBe(201);
  const before = volumes();
  const destroyed = s.pulumi(["destroy", "--stack", STACK, "--yes", "--exclude-protected", "--skip-preview"]);
  expect([destroyed.code, destroyed.stderr]).toEqual([0, ""]);
  expect(s.shOk("docker ps --all --format '{{.Names}}'")).toBe("");
  expect(volumes()).toEqual(before);
  up();
  await until("the app after a new up", 120_000, () => get("/healthz").status === 200);
  const rows = s.shOk(
    `docker exec shared-postgres psql -U postgres -d skriptoteket -At -c "SELECT count(*) FROM notes WHERE text = '${note}'"`,
  );
  expect(rows).toBe("1");
  expect(volumes()).toEqual(before);
});

test("9. a change that replaces shared-postgres keeps its data", () => {
  s.override({ "hemma:postgres": { settings: { max_connections: "120" } } });
  const before = s.shOk("docker inspect -f '{{.Id}}' shared-postgres");
  const count = (): string =>
    s.shOk(
      `docker exec shared-postgres psql -U postgres -d skriptoteket -At -c "SELECT count(*) FROM notes"`,
    );
  const rows = count();
  const out = up();
  expect(out).toMatch(/shared-postgres.*replaced/);
  expect(s.shOk("docker inspect -f '{{.Id}}' shared-postgres")).not.toBe(before);
  expect(s.shOk(`docker exec shared-postgres psql -U postgres -At -c "SHOW max_connections"`)).toBe("120");
  expect(count()).toBe(rows);
  expect(volumes()).toEqual(expect.arrayContaining(NAMED_VOLUMES));
});

test("10. the nightly backup dumps the real database and its restore check passes", () => {
  const r = s.sh(
    "systemctl start hemma-db-backup.service; echo rc=$?; journalctl -u hemma-db-backup.service --no-pager -o cat",
  );
  expect(r.stdout).toContain("rc=0");
  expect(r.stdout).toMatch(/skriptoteket: \S+ restores \([1-9]\d* tables\)/);
  expect(r.stdout).toMatch(
    /skriptoteket: wrote \/home\/paunchygent\/backups\/skriptoteket-\d{8}T\d{6}Z\.dump/,
  );
  const dumps = s.shOk("ls /home/paunchygent/backups").split("\n");
  expect(dumps.some((f) => /^skriptoteket-\d{8}T\d{6}Z\.dump$/.test(f))).toBe(true);
  // The dump holds the app's table: restore its list of contents.
  const listing = s.shOk(
    `f=$(ls -t /home/paunchygent/backups/skriptoteket-*.dump | head -n1); docker exec -i shared-postgres pg_restore --list < "$f"`,
  );
  expect(listing).toMatch(/TABLE public notes/);
});

test("11. the cleanup timers' services find the web container by label and run their command in it", () => {
  for (const unit of [
    "skriptoteket-sandbox-snapshots-cleanup.service",
    "skriptoteket-login-events-cleanup.service",
    "skriptoteket-session-files-cleanup.service",
  ]) {
    const r = s.sh(`systemctl start ${unit}; echo rc=$?; systemctl show -p Result --value ${unit}`);
    expect([unit, r.stdout.trim().split("\n")]).toEqual([unit, ["rc=0", "success"]]);
  }
  expect(s.shOk("systemctl is-enabled skriptoteket-login-events-cleanup.timer")).toBe("enabled");
});

/** Prometheus's HTTP API, from inside the sandbox (it is published on the sandbox's loopback only). */
function prometheusApi(pathAndQuery: string): unknown {
  return JSON.parse(s.shOk(`curl --silent --fail --max-time 10 http://127.0.0.1:9091${pathAndQuery}`));
}

test("12. Prometheus scrapes the app and itself, and its alert rules evaluate", async () => {
  type Targets = { data: { activeTargets: { labels: { job: string }; health: string }[] } };
  const health = (): Record<string, string> =>
    Object.fromEntries(
      (prometheusApi("/api/v1/targets") as Targets).data.activeTargets.map((t) => [t.labels.job, t.health]),
    );
  await until("both scrape targets up", 120_000, () => {
    const h = health();
    return h.skriptoteket === "up" && h.prometheus === "up";
  });
  expect(health()).toEqual({ skriptoteket: "up", prometheus: "up" });
  type Rules = {
    data: { groups: { name: string; rules: { name: string; health: string; lastEvaluation: string }[] }[] };
  };
  await until("the alert rules evaluated once", 120_000, () =>
    (prometheusApi("/api/v1/rules") as Rules).data.groups
      .flatMap((g) => g.rules)
      .every((r) => !r.lastEvaluation.startsWith("0001-")),
  );
  const [group] = (prometheusApi("/api/v1/rules") as Rules).data.groups;
  expect(group!.name).toBe("SkriptoteketAlerts");
  expect(group!.rules.map((r) => [r.name, r.health]).sort()).toEqual([
    ["SkriptoteketDown", "ok"],
    ["SkriptoteketHighErrorRate", "ok"],
    ["SkriptoteketHighLatency", "ok"],
    ["SkriptoteketSessionFilesQuota", "ok"],
  ]);
  // The app's own series is scraped under the job the rules query.
  type Query = { data: { result: { value: [number, string] }[] } };
  const up = prometheusApi(`/api/v1/query?query=${encodeURIComponent('up{job="skriptoteket"}')}`) as Query;
  expect(up.data.result.map((r) => r.value[1])).toEqual(["1"]);
});

test("13. a hand edit of a rendered observability config is drift with a line diff, and up puts it back and reloads Prometheus", async () => {
  const file = "/home/paunchygent/infrastructure/observability/prometheus/prometheus.yml";
  const declared = s.shOk(`sha256sum ${file}`);
  s.shOk(`sed -i 's/scrape_interval: 15s/scrape_interval: 59s/' ${file}`);
  const d = drift();
  expect(d.code).toBe(2);
  expect(d.stdout).toMatch(/update urn:pulumi:dev::hemma::.*HostFile::\S*prometheus-yml\S*: .*digest/);
  // The line diff between the declared and the live file (issue 11).
  expect(d.stdout).toMatch(/^\s*-\s+scrape_interval: 15s$/m);
  expect(d.stdout).toMatch(/^\s*\+\s+scrape_interval: 59s$/m);
  up();
  expect(s.shOk(`sha256sum ${file}`)).toBe(declared);
  type Config = { data: { yaml: string } };
  await until("Prometheus to run the declared config again", 60_000, () =>
    (prometheusApi("/api/v1/status/config") as Config).data.yaml.includes("scrape_interval: 15s"),
  );
  expect(drift().code).toBe(0);
});
