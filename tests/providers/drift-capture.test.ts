import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { HostConnectionState } from "../../providers/host-connection";
import type { RemoteResult } from "../../providers/ssh-pool";
import {
  captureDeclared,
  captureFields,
  captureLive,
  captureStem,
  DRIFT_CAPTURE_ENV,
} from "../../providers/drift-capture";

// The live side is read through the batched reads; here the "host" answers from a table.
const mockReads: string[] = [];
const mockHost: Record<string, RemoteResult> = {};
jest.mock("../../providers/read-batch", () => ({
  runRemoteRead: jest.fn(async (_conn: unknown, script: string): Promise<RemoteResult> => {
    mockReads.push(script);
    const p = /cat -- '([^']+)'/.exec(script)?.[1] ?? "";
    return mockHost[p] ?? { code: 3, stdout: "", stderr: "" };
  }),
}));

const conn: HostConnectionState = {
  host: "127.0.0.1",
  port: 2222,
  user: "paunchygent",
  hostKey: "ssh-ed25519 AAAA",
  privateKey: "KEY",
  connectTimeoutSeconds: 10,
  commandTimeoutSeconds: 120,
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-capture-"));
  mockReads.length = 0;
  process.env[DRIFT_CAPTURE_ENV] = dir;
});
afterEach(() => {
  delete process.env[DRIFT_CAPTURE_ENV];
  fs.rmSync(dir, { recursive: true, force: true });
});

const stem = (p: string): string => captureStem("127.0.0.1", 2222, p);

test("the stem depends on host, port and path only", () => {
  expect(captureStem("h", 22, "/a")).toMatch(/^[0-9a-f]{32}$/);
  expect(
    new Set([
      captureStem("h", 22, "/a"),
      captureStem("h", 23, "/a"),
      captureStem("g", 22, "/a"),
      captureStem("h", 22, "/b"),
    ]).size,
  ).toBe(4);
});

test("outside a drift run nothing is written or read", async () => {
  delete process.env[DRIFT_CAPTURE_ENV];
  captureDeclared("127.0.0.1", 2222, "/etc/a.conf", "a=1\n");
  captureFields(conn, "/etc/a.conf", ["content"]);
  await captureLive(conn, "/etc/a.conf");
  expect(fs.readdirSync(dir)).toEqual([]);
  expect(mockReads).toEqual([]);
});

test("a drift run gets the declared side, the live side of a declared file and the changed fields, each private", async () => {
  mockHost["/etc/a.conf"] = { code: 0, stdout: "a=2\n", stderr: "" };
  captureDeclared("127.0.0.1", 2222, "/etc/a.conf", "a=1\n");
  captureFields(conn, "/etc/a.conf", ["content", "mode"]);
  await captureLive(conn, "/etc/a.conf");
  expect(fs.readFileSync(path.join(dir, `${stem("/etc/a.conf")}.declared`), "utf8")).toBe("a=1\n");
  expect(fs.readFileSync(path.join(dir, `${stem("/etc/a.conf")}.live`), "utf8")).toBe("a=2\n");
  expect(JSON.parse(fs.readFileSync(path.join(dir, `${stem("/etc/a.conf")}.fields`), "utf8"))).toEqual([
    "content",
    "mode",
  ]);
  for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
});

test("a file without a declared side (a secret content) is never read", async () => {
  mockHost["/etc/secret.env"] = { code: 0, stdout: "TOKEN=x\n", stderr: "" };
  await captureLive(conn, "/etc/secret.env");
  expect(mockReads).toEqual([]);
  expect(fs.readdirSync(dir)).toEqual([]);
});

test("a live file that cannot be read leaves no live side and no error", async () => {
  captureDeclared("127.0.0.1", 2222, "/etc/gone.conf", "x\n");
  await captureLive(conn, "/etc/gone.conf");
  expect(mockReads).toHaveLength(1);
  expect(fs.readdirSync(dir)).toEqual([`${stem("/etc/gone.conf")}.declared`]);
});
