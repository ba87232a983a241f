import { spawn, spawnSync } from "node:child_process";
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

(python ? test : test.skip)(
  "worker check: healthy only while a run-execution-worker process exists",
  async () => {
    const run = () => spawnSync(python!, ["-c", code(WORKER_HEALTHCHECK)], { encoding: "utf8" });
    expect(run().status).toBe(1);
    const worker = spawn("bash", ["-c", "exec -a run-execution-worker sleep 30"]);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const r = run();
      expect([r.status, r.stderr]).toEqual([0, ""]);
    } finally {
      worker.kill("SIGKILL");
    }
    await new Promise((r) => worker.on("exit", r));
    expect(run().status).toBe(1);
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
