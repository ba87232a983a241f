/** `npm run cloudflare-api`: argument parsing, and the process itself (URL, requests, SIGTERM, state). */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { formatRequest, parseArgs } from "../../../sandbox/cloudflare-api/cli";
import { idFrom } from "../../../sandbox/cloudflare-api/ids";
import { call } from "./api-client";
import { TS_LOADER } from "../../../scripts/ts-script";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const T1 = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AB";
const Z1 = "0123456789abcdef0123456789abcdef";
const DEV = idFrom("zone:hemma.test");

describe("parseArgs", () => {
  it("reads zones, tokens by zone name or id, keys and options", () => {
    expect(
      parseArgs([
        "--zone",
        "Hemma.Test",
        "--zone",
        `other.test=${Z1}`,
        "--token",
        `${T1}:hemma.test,${Z1}`,
        "--key",
        "ops@hemma.test:abc123:other.test",
        "--host",
        "0.0.0.0",
        "--port",
        "8787",
        "--state",
        "/tmp/s.json",
        "--tls-cert",
        "c.pem",
        "--tls-key",
        "k.pem",
        "--quiet",
      ]),
    ).toEqual({
      server: {
        zones: [{ name: "Hemma.Test" }, { name: "other.test", id: Z1 }],
        tokens: [{ value: T1, zoneIds: [DEV, Z1] }],
        keys: [{ email: "ops@hemma.test", key: "abc123", zoneIds: [Z1] }],
        host: "0.0.0.0",
        port: 8787,
        stateFile: "/tmp/s.json",
      },
      tlsFiles: { cert: "c.pem", key: "k.pem" },
      logRequests: false,
    });
  });

  it("reads tokens from an environment variable, one per line, and a second listener for HTTPS", () => {
    const env = { CF_TOKENS: `${T1}:hemma.test\n\n  ${T1.toLowerCase()}:${Z1}\n` };
    const parsed = parseArgs(
      [
        "--zone",
        "hemma.test",
        "--zone",
        `other.test=${Z1}`,
        "--tokens-from-env",
        "CF_TOKENS",
        "--tls-cert",
        "c.pem",
        "--tls-key",
        "k.pem",
        "--tls-host",
        "172.18.0.1",
        "--tls-port",
        "8443",
      ],
      env,
    );
    expect(parsed).toMatchObject({
      server: {
        tokens: [
          { value: T1, zoneIds: [DEV] },
          { value: T1.toLowerCase(), zoneIds: [Z1] },
        ],
      },
      tlsFiles: { cert: "c.pem", key: "k.pem" },
      tlsListener: { host: "172.18.0.1", port: 8443 },
    });
  });

  it.each<[string[], Record<string, string>, string]>([
    [["--tokens-from-env", "NOPE"], {}, "--tokens-from-env NOPE: the variable is not set"],
    [
      ["--tokens-from-env", "T"],
      { T: `${T1}:hemma.test\n${T1}` },
      "--tokens-from-env T: line 2 is not <token>:<zone>[,<zone>...]",
    ],
    [["--tls-port", "8443"], {}, "--tls-port and --tls-host need --tls-cert and --tls-key"],
    [["--tls-cert", "c", "--tls-key", "k", "--tls-host", "h"], {}, "--tls-host needs --tls-port"],
    [["--tls-cert", "c", "--tls-key", "k", "--tls-port", "x"], {}, "--tls-port x: not a port number"],
  ])("%j with %j -> %s", (argv, env, message) => {
    const parsed = parseArgs(["--zone", "hemma.test", "--token", `${T1}:hemma.test`, ...argv], env);
    expect((parsed as { usage: string }).usage.split("\n")[0]).toBe(message);
    // A message never shows a token, not even a malformed line's.
    expect((parsed as { usage: string }).usage).not.toContain(T1);
  });

  it.each<[string[], string]>([
    [[], "at least one --zone is needed"],
    [["--zone", "hemma.test"], "at least one --token (or --key) is needed"],
    [
      ["--zone", "hemma.test=XYZ", "--token", `${T1}:hemma.test`],
      "--zone hemma.test=XYZ: the id must be 32 lower-case hex digits",
    ],
    [["--zone", "hemma.test", "--token", T1], "--token needs <token>:<zone>[,<zone>...]"],
    [
      ["--zone", "hemma.test", "--token", `${T1}:prod.test`],
      "--token: zone prod.test is not given with --zone",
    ],
    [["--zone", "hemma.test", "--key", "a@b:k"], "--key needs <email>:<key>:<zone>[,<zone>...]"],
    [
      ["--zone", "hemma.test", "--token", `${T1}:hemma.test`, "--port", "99999"],
      "--port 99999: not a port number",
    ],
    [
      ["--zone", "hemma.test", "--token", `${T1}:hemma.test`, "--tls-cert", "c.pem"],
      "--tls-cert and --tls-key go together",
    ],
    [["--zone"], "--zone needs a value"],
    [["--bogus"], "unknown option --bogus"],
    [["stray"], "unexpected argument stray"],
  ])("%j -> %s", (argv, message) => {
    const parsed = parseArgs(argv);
    expect(parsed).toEqual({
      usage: expect.stringMatching(/^.*\n\nusage: npm run cloudflare-api/) as unknown,
      help: false,
    });
    expect((parsed as { usage: string }).usage.split("\n")[0]).toBe(message);
  });

  it("--help is help, not an error", () => {
    expect(parseArgs(["--help"])).toEqual({
      usage: expect.stringMatching(/^usage: /) as unknown,
      help: true,
    });
  });
});

describe("formatRequest", () => {
  it("prints method, path, query, body, status, codes and caller on one line", () => {
    expect(
      formatRequest({
        method: "PATCH",
        path: "/client/v4/zones/z/dns_records/r",
        query: "",
        body: { content: "192.0.2.1" },
        status: 400,
        errorCodes: [9005],
        caller: "abc",
      }),
    ).toBe(
      'PATCH /client/v4/zones/z/dns_records/r body={"content":"192.0.2.1"} -> 400 errors=9005 caller=abc',
    );
    expect(
      formatRequest({
        method: "GET",
        path: "/zones",
        query: "name=x",
        body: undefined,
        status: 200,
        errorCodes: [],
      }),
    ).toBe("GET /zones?name=x -> 200");
  });
});

/** The CLI as a child process, loaded the way the other CLI tests load TypeScript (cached transpile). */
class CliProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(
      process.execPath,
      ["-r", TS_LOADER, path.join(ROOT, "sandbox/cloudflare-api/cli.ts"), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.child.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** The URL the CLI prints on its first stdout line. */
  async url(timeoutMs = 20000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (!this.stdout.includes("\n")) {
      if (Date.now() > end || this.child.exitCode !== null)
        throw new Error(`no URL printed; stderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.stdout.split("\n")[0]!;
  }
}

describe("the cloudflare-api process", () => {
  let dir: string;
  const running: CliProcess[] = [];
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfapi-cli-"))));
  afterEach(() => {
    for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const start = (args: string[]) => {
    const p = new CliProcess(args);
    running.push(p);
    return p;
  };

  it("prints its URL, serves, logs each request, keeps state across a restart and stops on SIGTERM", async () => {
    const state = path.join(dir, "state.json");
    const args = ["--zone", "hemma.test", "--token", `${T1}:hemma.test`, "--state", state];
    const first = start(args);
    const url = await first.url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);

    const created = await call(url, "POST", `/zones/${DEV}/dns_records`, {
      token: T1,
      body: { name: "hemma", type: "A", content: "192.0.2.10" },
    });
    expect(created.status).toBe(200);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    // stderr is read only once the process has exited: it is a separate pipe from the URL line.
    expect(first.stderr).toContain(`cloudflare-api: zone hemma.test id ${DEV}`);
    expect(first.stderr).toContain(
      `POST /client/v4/zones/${DEV}/dns_records body={"name":"hemma","type":"A","content":"192.0.2.10"} -> 200 caller=`,
    );

    const second = start(args);
    const again = await call(await second.url(), "GET", `/zones/${DEV}/dns_records?name=hemma.hemma.test`, {
      token: T1,
    });
    expect(again.body.result).toEqual([created.body.result]);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  }, 60000);

  it("exits 1 with a message when its port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    try {
      const port = String((blocker.address() as net.AddressInfo).port);
      const p = start(["--zone", "hemma.test", "--token", `${T1}:hemma.test`, "--port", port]);
      expect(await p.exited).toBe(1);
      expect(p.stdout).toBe("");
      expect(p.stderr).toMatch(/^cloudflare-api: cannot start: listen EADDRINUSE/m);
      expect(p.stderr).not.toMatch(/^\s+at /m);
    } finally {
      blocker.close();
    }
  }, 60000);

  it("exits 2 with the usage on a bad command line", async () => {
    const p = start(["--zone", "hemma.test"]);
    expect(await p.exited).toBe(2);
    expect(p.stderr).toMatch(/^at least one --token \(or --key\) is needed\n\nusage: npm run cloudflare-api/);
  }, 60000);
});
