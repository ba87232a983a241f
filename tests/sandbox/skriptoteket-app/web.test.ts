/** `pdm run serve` of the stand-in: the endpoints the deploy, nginx-proxy and Prometheus rely on. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createWorld, request, startWeb, waitFor, type AppWorld } from "./harness";
import { parsePrometheusText, sampleValue } from "./prometheus-text";

let world: AppWorld;
let port: number;

beforeAll(async () => {
  world = await createWorld("hemma-app-web-");
  ({ port } = await startWeb(world));
}, 60000);

afterAll(async () => {
  await world?.teardown();
});

const get = (p: string) => request(port, "GET", p);
const postJson = (p: string, value: unknown) =>
  request(port, "POST", p, { contentType: "application/json", data: JSON.stringify(value) });
const db = (sql: string) => world.cluster.sql("skriptoteket", sql);

// In file order: the database is unmigrated, then migrated, then stopped.
describe("GET /healthz", () => {
  it("is 503 until db-upgrade has applied every migration this release ships, then 200 {status: ok}", async () => {
    const before = await get("/healthz");
    expect(before.status).toBe(503);
    expect(JSON.parse(before.body)).toEqual({
      status: "unhealthy",
      database: "not migrated",
      missing_migrations: ["0001"],
    });
    expect(world.pdm(["run", "db-upgrade"]).status).toBe(0);
    const after = await get("/healthz");
    expect(after.status).toBe(200);
    expect(after.body).toBe('{"status":"ok"}');
  });
});

describe("GET /", () => {
  it("is an HTML page naming the release (release.txt) and the container's host name", async () => {
    const r = await get("/");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.body).toContain('<p>Release: <strong id="release">A</strong></p>');
    expect(r.body).toContain(`<p>Served by: <code id="hostname">${os.hostname()}</code></p>`);
  });
});

describe("notes", () => {
  it("POST /notes stores JSON and form bodies (201 with the id); GET /notes/count counts them", async () => {
    const json = await postJson("/notes", { text: "från JSON" });
    expect(json.status).toBe(201);
    const form = await request(port, "POST", "/notes", {
      contentType: "application/x-www-form-urlencoded",
      data: "text=fr%C3%A5n+formul%C3%A4r",
    });
    expect(form.status).toBe(201);
    const ids = [JSON.parse(json.body).id, JSON.parse(form.body).id];
    expect(db(`SELECT string_agg(text, '|' ORDER BY id) FROM notes WHERE id IN (${ids.join(",")})`)).toBe(
      "från JSON|från formulär",
    );
    const count = await get("/notes/count");
    expect(count.status).toBe(200);
    expect(JSON.parse(count.body)).toEqual({ count: 2 });
  });

  it.each([
    ["a missing text", { contentType: "application/json", data: "{}" }, 422],
    ["an empty text", { contentType: "application/json", data: '{"text": "  "}' }, 422],
    ["a text that is not a string", { contentType: "application/json", data: '{"text": 5}' }, 422],
    ["broken JSON", { contentType: "application/json", data: "{" }, 422],
    ["a multipart body", { contentType: "multipart/form-data; boundary=x", data: "--x--" }, 415],
  ])("refuses %s and stores nothing", async (_name, body, status) => {
    const before = db("SELECT count(*) FROM notes");
    expect((await request(port, "POST", "/notes", body)).status).toBe(status);
    expect(db("SELECT count(*) FROM notes")).toBe(before);
  });
});

describe("jobs", () => {
  it("POST /jobs queues a row in tool_run_jobs that GET /jobs/{id} shows", async () => {
    const r = await postJson("/jobs", { seconds: 1.5 });
    expect(r.status).toBe(201);
    const { id, status } = JSON.parse(r.body);
    expect(status).toBe("queued");
    expect(
      db(
        `SELECT queue || ' ' || status || ' ' || work_seconds || ' ' || attempts FROM tool_run_jobs WHERE id = ${id}`,
      ),
    ).toBe("default queued 1.5 0");
    const job = JSON.parse((await get(`/jobs/${id}`)).body);
    expect(job).toMatchObject({ id, status: "queued", work_seconds: 1.5, attempts: 0, worker_id: null });
    expect((await postJson("/jobs", { seconds: 31 })).status).toBe(422);
    expect((await get("/jobs/999999")).status).toBe(404);
  });
});

describe("GET /slow", () => {
  it("answers after the given seconds, and refuses more than 30", async () => {
    const started = Date.now();
    const r = await get("/slow?seconds=0.3");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(JSON.parse(r.body)).toEqual({ slept: 0.3, release: "A", hostname: os.hostname() });
    expect((await get("/slow?seconds=31")).status).toBe(422);
    expect((await get("/slow?seconds=-1")).status).toBe(422);
  });
});

describe("GET /metrics", () => {
  it("is valid Prometheus text with the request counter, the duration histogram and the session-files gauge", async () => {
    const sessions = path.join(world.artifactsRoot, "sessions", "tool-1", "user-1", "default");
    fs.mkdirSync(sessions, { recursive: true });
    fs.writeFileSync(path.join(sessions, "input.csv"), "x".repeat(1000));
    fs.writeFileSync(path.join(sessions, "output.txt"), "y".repeat(234));
    fs.writeFileSync(path.join(sessions, "meta.json"), "{}");
    const before = parsePrometheusText((await get("/metrics")).body);
    const posted = sampleValue(before, "skriptoteket_http_requests_total", {
      method: "POST",
      endpoint: "/notes",
      status_code: "201",
    });
    expect(posted).toBe(2);
    expect((await postJson("/notes", { text: "one more" })).status).toBe(201);
    expect((await get("/notes/count")).status).toBe(200);

    const r = await get("/metrics");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const m = parsePrometheusText(r.body);
    expect(m.get("skriptoteket_http_requests_total")?.type).toBe("counter");
    expect(m.get("skriptoteket_http_request_duration_seconds")?.type).toBe("histogram");
    expect(m.get("skriptoteket_session_files_bytes_total")?.type).toBe("gauge");
    expect(
      sampleValue(m, "skriptoteket_http_requests_total", {
        method: "POST",
        endpoint: "/notes",
        status_code: "201",
      }),
    ).toBe(posted + 1);
    // 422 and 415 answers are counted under their own status.
    expect(
      sampleValue(m, "skriptoteket_http_requests_total", {
        method: "POST",
        endpoint: "/notes",
        status_code: "422",
      }),
    ).toBe(4);
    // Route templates, not raw paths, label the series.
    expect(
      sampleValue(m, "skriptoteket_http_requests_total", {
        method: "GET",
        endpoint: "/jobs/{job_id}",
        status_code: "404",
      }),
    ).toBe(1);
    expect(
      sampleValue(m, "skriptoteket_http_request_duration_seconds_count", {
        method: "GET",
        endpoint: "/notes/count",
      }),
    ).toBe(2);
    expect(
      sampleValue(m, "skriptoteket_http_request_duration_seconds_bucket", {
        method: "GET",
        endpoint: "/slow",
        le: "0.25",
      }),
    ).toBe(2); // the two refused calls; the 0.3 s one is in a later bucket
    expect(sampleValue(m, "skriptoteket_session_files_bytes_total")).toBe(1234);
    expect(sampleValue(m, "skriptoteket_session_files_count")).toBe(2);
    expect(sampleValue(m, "skriptoteket_build_info", { release: "A", hostname: os.hostname() })).toBe(1);
    // Probes and scrapes are not counted, as in the real app.
    expect(r.body).not.toMatch(/endpoint="\/(healthz|metrics)"/);
  });
});

describe("the release header", () => {
  it("names the release in a header on every response, also a refused write and a missing page", async () => {
    expect((await get("/")).headers["x-skriptoteket-release"]).toBe("A");
    const refused = await postJson("/notes", { text: "" });
    expect([refused.status, refused.headers["x-skriptoteket-release"]]).toEqual([422, "A"]);
    expect((await get("/no-such-page")).headers["x-skriptoteket-release"]).toBe("A");
  });
});

describe("when the database goes down", () => {
  it("/healthz turns 503 and writes answer 503, while / still serves", async () => {
    world.cluster.stop();
    await waitFor("/healthz to turn 503", async () => (await get("/healthz")).status === 503);
    expect(JSON.parse((await get("/healthz")).body)).toEqual({
      status: "unhealthy",
      database: "unreachable",
    });
    const write = await postJson("/notes", { text: "lost" });
    expect(write.status).toBe(503);
    expect(JSON.parse(write.body)).toEqual({ detail: "database unavailable" });
    expect((await get("/")).status).toBe(200);
  });
});

describe("SIGTERM", () => {
  it("lets an in-flight /slow request finish, then uvicorn exits 0", async () => {
    const { port: p, proc } = await startWeb(world);
    let answered = false;
    const slow = request(p, "GET", "/slow?seconds=2").then((r) => ((answered = true), r));
    await waitFor("the /slow request to be in flight", async () => {
      const m = parsePrometheusText((await request(p, "GET", "/metrics")).body);
      return sampleValue(m, "skriptoteket_http_requests_in_progress") === 1;
    });
    proc.child.kill("SIGTERM");
    expect(answered).toBe(false);
    const r = await slow;
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ slept: 2, release: "A" });
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.output()).toContain("Waiting for connections to close.");
    await expect(request(p, "GET", "/")).rejects.toThrow(/ECONNREFUSED/);
  });
});
