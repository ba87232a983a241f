import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { failed, HttpLoad, percentile, type RequestRecord } from "../../bench/support/http-load";
import { writeSelfSignedCert } from "../support/tls";

/**
 * A stand-in for nginx-proxy in front of the app: answers like the app, and can close a kept-alive
 * connection when its next request arrives (as an nginx worker does on reload) or answer 503.
 */
function server(mode: {
  closeReusedOnce: boolean;
  status: number;
}): Promise<{ port: number; close: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "http-load-"));
  writeSelfSignedCert(dir);
  const served = new WeakMap<Socket, number>();
  const srv = https.createServer(
    { key: fs.readFileSync(path.join(dir, "key.pem")), cert: fs.readFileSync(path.join(dir, "cert.pem")) },
    (req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (mode.closeReusedOnce && n === 2) {
        mode.closeReusedOnce = false;
        req.socket.destroy();
        return;
      }
      req.resume();
      req.on("end", () => {
        res.setHeader("x-skriptoteket-release", "A");
        res.statusCode = req.method === "POST" ? (mode.status === 200 ? 201 : mode.status) : mode.status;
        res.end(req.url === "/jobs" ? '{"id": 7}' : "ok");
      });
    },
  );
  return new Promise((resolve) =>
    srv.listen(0, "127.0.0.1", () =>
      resolve({
        port: (srv.address() as AddressInfo).port,
        close: () => {
          srv.closeAllConnections();
          srv.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      }),
    ),
  );
}

const target = (port: number) => ({ host: "127.0.0.1", port, servername: "app.test" });
const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe("HttpLoad", () => {
  it("records pages and writes from keep-alive and fresh clients with the release that answered", async () => {
    const s = await server({ closeReusedOnce: false, status: 200 });
    try {
      const load = new HttpLoad(target(s.port), {
        keepAliveClients: 1,
        freshClients: 1,
        pauseMs: 5,
        postEvery: 2,
      }).start();
      load.job(1);
      await until(() => load.records.length >= 12);
      const report = await load.stop();
      expect(report.failures).toEqual([]);
      expect(new Set(report.records.map((r) => r.connection))).toEqual(new Set(["keep-alive", "fresh"]));
      expect(report.releases()).toEqual({ A: report.records.length });
      expect(report.notesWritten.length).toBeGreaterThan(0);
      expect(report.records.find((r) => r.kind === "job")!.jobId).toBe(7);
    } finally {
      s.close();
    }
  });

  it("sends a request again on a fresh connection when its reused connection closes before any answer, and says so", async () => {
    const s = await server({ closeReusedOnce: true, status: 200 });
    try {
      const load = new HttpLoad(target(s.port), { keepAliveClients: 1, freshClients: 0, pauseMs: 5 }).start();
      await until(() => load.records.length >= 4);
      const report = await load.stop();
      expect(report.failures).toEqual([]);
      expect(report.resent).toHaveLength(1);
      expect(report.resent[0]).toMatchObject({ connection: "keep-alive", status: 200 });
    } finally {
      s.close();
    }
  });

  it("counts an answer that is not the expected status as failed", async () => {
    const s = await server({ closeReusedOnce: false, status: 503 });
    try {
      const load = new HttpLoad(target(s.port), { keepAliveClients: 0, freshClients: 1, pauseMs: 5 }).start();
      await until(() => load.records.length >= 2);
      const report = await load.stop();
      expect(report.failures.length).toBe(report.records.length);
      expect(report.failures[0]).toMatchObject({ status: 503, resent: false });
    } finally {
      s.close();
    }
  });

  it("counts a refused connection as failed, never resent", async () => {
    const s = await server({ closeReusedOnce: false, status: 200 });
    s.close();
    const load = new HttpLoad(target(s.port), { keepAliveClients: 0, freshClients: 1, pauseMs: 5 }).start();
    await until(() => load.records.length >= 1);
    const report = await load.stop();
    expect(report.failures[0]).toMatchObject({ resent: false });
    expect(report.failures[0]!.error).toMatch(/ECONNREFUSED/);
  });
});

describe("failed and percentile", () => {
  const base: RequestRecord = { kind: "page", connection: "fresh", start: 0, end: 1, resent: false };
  it("a page must answer 200, a post 201", () => {
    expect(failed({ ...base, status: 200 })).toBe(false);
    expect(failed({ ...base, kind: "post", status: 200 })).toBe(true);
    expect(failed({ ...base, kind: "post", status: 201 })).toBe(false);
    expect(failed({ ...base, error: "ECONNRESET" })).toBe(true);
  });
  it("is the nearest-rank percentile", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });
});
