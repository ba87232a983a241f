import { spawnSync } from "node:child_process";
import { WEB_HEALTHCHECK, WORKER_HEALTHCHECK } from "../../../components/docker/skriptoteket-web";

// The container healthchecks are Python one-liners run by Docker as `CMD python -c <code>`;
// here they run under the local python3 so a typo cannot reach hemma.
const python = spawnSync("python3", ["--version"]).status === 0 ? "python3" : undefined;
const canUnshare = spawnSync("unshare", ["-n", "true"]).status === 0;

function code(check: readonly string[]): string {
  expect(check.slice(0, 3)).toEqual(["CMD", "python", "-c"]);
  expect(check).toHaveLength(4);
  return check[3]!;
}

// The check scans /proc, so it runs in a PID namespace of its own: a worker process elsewhere on
// this machine (another suite's app test) must not make "no worker" look healthy.
const canUnsharePid = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;

(python && canUnsharePid ? test : test.skip)(
  "worker check: healthy only while a run-execution-worker process exists",
  () => {
    const script = [
      `${python} -c "$CHECK"; echo "without=$?"`,
      // The name comes from the env: no command line but the fake worker's may contain it.
      "bash -c 'exec -a \"$WORKER\" sleep 30' & worker=$!",
      'for i in $(seq 100); do grep -q "$WORKER" /proc/$worker/cmdline 2>/dev/null && break; sleep 0.05; done',
      `${python} -c "$CHECK" 2>&1; echo "with=$?"`,
      "kill -KILL $worker; wait $worker 2>/dev/null",
      `${python} -c "$CHECK"; echo "after=$?"`,
    ].join("\n");
    const r = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "bash", "-s"], {
      input: script,
      encoding: "utf8",
      env: { ...process.env, CHECK: code(WORKER_HEALTHCHECK), WORKER: "run-execution-worker" },
      timeout: 20000,
    });
    expect(r.stdout.trim().split("\n")).toEqual(["without=1", "with=0", "after=1"]);
  },
);

// Port 8000 on this machine may be taken, so the web check runs in a fresh network namespace
// against a stub server that answers /healthz with the status under test.
(python && canUnshare
  ? test.each([
      [200, 0],
      [503, 1],
    ])
  : test.skip.each([[200, 0]]))("web check: /healthz %i gives exit %i", (status, exit) => {
  const server = [
    "import http.server, sys",
    "class H(http.server.BaseHTTPRequestHandler):",
    "    def do_GET(self):",
    `        self.send_response(${status} if self.path == '/healthz' else 404); self.end_headers()`,
    "    def log_message(self, *a): pass",
    "http.server.HTTPServer(('127.0.0.1', 8000), H).serve_forever()",
  ].join("\n");
  const script = [
    "ip link set lo up",
    `${python} -c "$SERVER" & srv=$!`,
    "for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/8000) 2>/dev/null && break; sleep 0.1; done",
    `${python} -c "$CHECK" 2>/dev/null; rc=$?`,
    "kill $srv; exit $rc",
  ].join("\n");
  const r = spawnSync("unshare", ["-n", "bash", "-c", script], {
    encoding: "utf8",
    env: { ...process.env, SERVER: server, CHECK: code(WEB_HEALTHCHECK) },
    timeout: 20000,
  });
  expect(r.status).toBe(exit);
});
