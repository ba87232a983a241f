/** The supervisor `sandbox up` runs the local API under: back-off, restart after a crash, clean stop. */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HEALTHY_RUN_MS, restartDelayMs } from "../../../sandbox/cloudflare-api/supervise";
import { idFrom } from "../../../sandbox/cloudflare-api/ids";
import { call } from "./api-client";
import { TS_LOADER } from "../../../scripts/ts-script";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const T1 = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AB";
const DEV = idFrom("zone:hemma.test");

describe("restartDelayMs", () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [5, 16000],
    [6, 30000],
    [20, 30000],
  ])("after %p quick exits in a row waits %p ms", (failures, ms) => {
    expect(restartDelayMs(failures)).toBe(ms);
  });

  it("counts a run of a minute as healthy", () => {
    expect(HEALTHY_RUN_MS).toBe(60_000);
  });
});

/** The API processes the supervisor `pid` runs now. */
function children(pid: number): number[] {
  const r = spawnSync("ps", ["--ppid", String(pid), "-o", "pid="], { encoding: "utf8" });
  return r.stdout
    .split("\n")
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the supervisor process", () => {
  let dir: string;
  let supervisor: ChildProcess | undefined;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfapi-supervise-"))));
  afterEach(() => {
    if (supervisor?.exitCode === null) {
      for (const child of children(supervisor.pid!)) process.kill(child, "SIGKILL");
      supervisor.kill("SIGKILL");
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("starts the API again after it is killed, with its records, and stops it with itself on SIGTERM", async () => {
    const state = path.join(dir, "state.json");
    let stdout = "";
    let stderr = "";
    supervisor = spawn(
      process.execPath,
      [
        "-r",
        TS_LOADER,
        path.join(ROOT, "sandbox/cloudflare-api/supervise.ts"),
        "--zone",
        "hemma.test",
        "--tokens-from-env",
        "CF_TOKENS",
        "--state",
        state,
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json"),
          CF_TOKENS: `${T1}:hemma.test`,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    supervisor.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    supervisor.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => supervisor!.on("exit", (code) => resolve(code)));

    const firstUrl = await until("the first URL", () =>
      stdout.split("\n")[1] !== undefined ? stdout.split("\n")[0] : undefined,
    );
    const created = await call(firstUrl, "POST", `/zones/${DEV}/dns_records`, {
      token: T1,
      body: { name: "hemma", type: "A", content: "192.0.2.10" },
    });
    expect(created.status).toBe(200);

    const [first] = children(supervisor.pid!);
    process.kill(first!, "SIGKILL");
    const secondUrl = await until("the API to start again", () => {
      const urls = stdout.split("\n").filter((l) => l.startsWith("http"));
      return urls.length === 2 ? urls[1] : undefined;
    });
    expect(stderr).toContain("cloudflare-api supervisor: the API exited (SIGKILL); starting it again in 1 s");
    const again = await call(secondUrl!, "GET", `/zones/${DEV}/dns_records?name=hemma.hemma.test`, {
      token: T1,
    });
    expect(again.body.result).toEqual([created.body.result]);
    const [second] = children(supervisor.pid!);
    expect(second).not.toBe(first);

    supervisor.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(spawnSync("kill", ["-0", String(second)]).status).not.toBe(0);
  }, 90_000);
});
