/**
 * The rendered vhost.d snippets in a real nginx (Debian's), configured the way nginx-proxy 1.6
 * includes them (see nginx-proxy-shape.ts), in front of small Node apps on loopback.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import { tmpdir } from "os";
import { join } from "path";
import * as tls from "tls";
import { edgeSchema } from "../../../config/schema/edge";
import { renderHtpasswd } from "../../../render/edge/htpasswd";
import { renderVhostFiles } from "../../../render/edge/nginx-hardening";
import { renderProbeFilter } from "../../../render/edge/fail2ban";
import { nginxProxyShapedConfig } from "./nginx-proxy-shape";
import { writeSelfSignedCert } from "../../support/tls";

const edge = edgeSchema.parse({});
const asRoot = process.getuid?.() === 0;

interface Echo {
  readonly app: string;
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

let dir: string;
let nginx: ChildProcess | undefined;
let httpPort: number;
let httpsPort: number;
const apps: http.Server[] = [];
const password = "correct horse battery staple";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A proxied app that answers every request with what it received, as JSON. */
function startApp(name: string): Promise<number> {
  const srv = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const body: Echo = { app: name, method: req.method ?? "", url: req.url ?? "", headers: req.headers };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
  });
  apps.push(srv);
  return new Promise((resolve) =>
    srv.listen(0, "127.0.0.1", () => resolve((srv.address() as net.AddressInfo).port)),
  );
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port}: ${readFileSync(join(dir, "error.log"), "utf8")}`);
}

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function request(
  scheme: "http" | "https",
  host: string,
  method: string,
  path: string,
  extraHeaders: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  const lib = scheme === "https" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: "127.0.0.1",
        port: scheme === "https" ? httpsPort : httpPort,
        method,
        path,
        headers: { host, ...extraHeaders },
        agent: false,
        rejectUnauthorized: false,
        servername: host,
      },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (data += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Sends one raw request and returns every byte the server sent before it closed the connection. */
function raw(scheme: "http" | "https", host: string, requestLine: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const payload = `${requestLine}\r\nHost: ${host}\r\nUser-Agent: probe\r\nConnection: close\r\n\r\n`;
    const sock: net.Socket =
      scheme === "https"
        ? tls.connect(
            { host: "127.0.0.1", port: httpsPort, servername: host, rejectUnauthorized: false },
            () => sock.write(payload),
          )
        : net.connect(httpPort, "127.0.0.1", () => sock.write(payload));
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("error", (e: NodeJS.ErrnoException) =>
      e.code === "ECONNRESET" ? resolve(Buffer.concat(chunks)) : reject(e),
    );
    sock.on("close", () => resolve(Buffer.concat(chunks)));
    sock.setTimeout(5000, () => {
      sock.destroy();
      reject(new Error(`no close within 5 s for ${requestLine}`));
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hemma-edge-nginx-"));
  // Workers run as nobody and must reach the snippets, the webroot and the htpasswd file.
  chmodSync(dir, 0o755);
  for (const sub of ["vhost.d", "htpasswd", "tmp", "html/.well-known/acme-challenge"]) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  writeFileSync(join(dir, "html/.well-known/acme-challenge/tok-123"), "tok-123.account-thumbprint");
  writeSelfSignedCert(dir);

  const vhostDir = join(dir, "vhost.d");
  const files = renderVhostFiles({ ...edge.nginx, containerVhostDir: vhostDir, hostVhostDir: vhostDir });
  for (const f of files) writeFileSync(f.path, f.content);

  const apr1 = execFileSync("openssl", ["passwd", "-apr1", password], { encoding: "utf8" }).trim();
  const sha512 = execFileSync("openssl", ["passwd", "-6", password], { encoding: "utf8" }).trim();
  const bcrypt = execFileSync("htpasswd", ["-nbB", "x", password], { encoding: "utf8" })
    .trim()
    .split(":")[1]!;
  const htpasswdPath = join(dir, "htpasswd", "jaeger.test");
  writeFileSync(
    htpasswdPath,
    renderHtpasswd([
      { user: "admin", hash: apr1, source: "test" },
      { user: "ops", hash: bcrypt, source: "test" },
      { user: "sre", hash: sha512, source: "test" },
    ]),
    { mode: 0o640 },
  );
  if (asRoot) chownSync(htpasswdPath, 0, 65534);
  chmodSync(htpasswdPath, 0o640);

  httpPort = await freePort();
  httpsPort = await freePort();
  const [appPort, jaegerPort, newPort] = [
    await startApp("app"),
    await startApp("jaeger"),
    await startApp("new"),
  ];
  const conf = nginxProxyShapedConfig({
    dir,
    vhostDir,
    vhostFiles: files.map((f) => f.path.slice(vhostDir.length + 1)),
    httpPort,
    httpsPort,
    cert: join(dir, "cert.pem"),
    key: join(dir, "key.pem"),
    defaultHost: "app.test",
    vhosts: [
      { host: "app.test", upstreamPort: appPort, tls: true },
      { host: "jaeger.test", upstreamPort: jaegerPort, tls: true, htpasswd: htpasswdPath },
      { host: "new.test", upstreamPort: newPort, tls: false },
    ],
    ...(asRoot ? { user: "nobody nogroup" } : {}),
  });
  writeFileSync(join(dir, "nginx.conf"), conf);
  execFileSync("nginx", [
    "-t",
    "-q",
    "-p",
    dir,
    "-e",
    join(dir, "error.log"),
    "-c",
    join(dir, "nginx.conf"),
    "-g",
    `pid ${dir}/nginx.pid;`,
  ]);
  nginx = spawn(
    "nginx",
    [
      "-p",
      dir,
      "-e",
      join(dir, "error.log"),
      "-c",
      join(dir, "nginx.conf"),
      "-g",
      `daemon off; pid ${dir}/nginx.pid;`,
    ],
    {
      stdio: "ignore",
    },
  );
  await waitForPort(httpPort);
  await waitForPort(httpsPort);
});

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx!.once("exit", r));
    nginx.kill("SIGTERM");
    await exited;
  }
  await Promise.all(apps.map((a) => new Promise((r) => a.close(r))));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const PROBE_PATHS = [
  "/.env",
  "/.git/config",
  "/.git/HEAD",
  "/app/.env",
  "/%2egit/config",
  "//.env",
  "/.aws/credentials",
  "/.DS_Store",
  "/.well-knownx/secret",
  "/wp-login.php",
  "/wp-admin/",
  "/blog/wp-includes/js/jquery.js",
  "/WP-CONTENT/uploads/x.png",
  "/index.php",
  "/admin/config.php/extra",
  "/shell.PHP",
  "/x.php7",
  "/page.phtml",
  "/cgi-bin/test.cgi",
  "/scripts/cgi-bin/",
];

const PROBE_METHODS = [
  "PROPFIND",
  "PROPPATCH",
  "MKCOL",
  "COPY",
  "MOVE",
  "LOCK",
  "UNLOCK",
  "SEARCH",
  "DEBUG",
  "TRACK",
];

describe("probe traffic is dropped with 444 (connection closed, zero bytes)", () => {
  test.each(PROBE_PATHS)("GET %s over HTTPS", async (path) => {
    expect((await raw("https", "app.test", `GET ${path} HTTP/1.1`)).length).toBe(0);
  });

  test.each(PROBE_PATHS)("GET %s over plain HTTP on a vhost without a certificate yet", async (path) => {
    expect((await raw("http", "new.test", `GET ${path} HTTP/1.1`)).length).toBe(0);
  });

  test.each(PROBE_METHODS)("%s / over HTTPS", async (method) => {
    expect((await raw("https", "app.test", `${method} / HTTP/1.1`)).length).toBe(0);
  });

  test("the probes are dropped on the basic-auth vhost before auth is asked for", async () => {
    expect((await raw("https", "jaeger.test", "GET /.env HTTP/1.1")).length).toBe(0);
    expect((await raw("https", "jaeger.test", "PROPFIND / HTTP/1.1")).length).toBe(0);
  });

  test("TRACE never reaches the snippet: nginx itself refuses it with 405", async () => {
    const reply = (await raw("https", "app.test", "TRACE / HTTP/1.1")).toString("latin1");
    expect(reply.startsWith("HTTP/1.1 405 ")).toBe(true);
  });
});

const HTTPS_HEADERS = {
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "permissions-policy": "geolocation=(), camera=(), microphone=()",
};

describe("ordinary traffic passes with every security header and X-Forwarded-Proto", () => {
  const passing: Array<[string, string]> = [
    ["GET", "/"],
    ["GET", "/login?next=%2Fmy-tools"],
    ["GET", "/assets/index-3f2a1c.js"],
    ["GET", "/static/css/app.css"],
    ["GET", "/favicon.ico"],
    ["GET", "/api/v1/tools"],
    ["GET", "/docs/php-in-the-classroom"],
    ["GET", "/tools/wp"],
    ["GET", "/.well-known/security.txt"],
    ["HEAD", "/"],
    ["POST", "/api/v1/runs"],
    ["PUT", "/api/v1/tools/7"],
    ["PATCH", "/api/v1/tools/7"],
    ["DELETE", "/api/v1/tools/7"],
    ["OPTIONS", "/api/v1/tools"],
  ];

  test.each(passing)("%s %s over HTTPS reaches the app with headers", async (method, path) => {
    const reply = await request(
      "https",
      "app.test",
      method,
      path,
      { "content-type": "application/json" },
      method === "POST" ? "{}" : undefined,
    );
    expect(reply.status).toBe(200);
    for (const [name, value] of Object.entries(HTTPS_HEADERS)) expect(reply.headers[name]).toBe(value);
    if (method !== "HEAD") {
      const echo = JSON.parse(reply.body) as Echo;
      expect(echo).toMatchObject({ app: "app", method, url: path });
      expect(echo.headers["x-forwarded-proto"]).toBe("https");
      expect(echo.headers["x-forwarded-for"]).toBe("127.0.0.1");
      expect(echo.headers.host).toBe("app.test");
    }
  });

  test("plain HTTP gets the headers except HSTS, and the app sees X-Forwarded-Proto http", async () => {
    const reply = await request("http", "new.test", "GET", "/api/v1/tools");
    expect(reply.status).toBe(200);
    expect(reply.headers["strict-transport-security"]).toBeUndefined();
    for (const [name, value] of Object.entries(HTTPS_HEADERS)) {
      if (name !== "strict-transport-security") expect(reply.headers[name]).toBe(value);
    }
    const echo = JSON.parse(reply.body) as Echo;
    expect(echo.app).toBe("new");
    expect(echo.headers["x-forwarded-proto"]).toBe("http");
  });

  test("nginx's own 401 keeps every header (always)", async () => {
    const reply = await request("https", "jaeger.test", "GET", "/");
    expect(reply.status).toBe(401);
    for (const [name, value] of Object.entries(HTTPS_HEADERS)) expect(reply.headers[name]).toBe(value);
  });

  test("each header is sent exactly once", async () => {
    const reply = await new Promise<string[]>((resolve, reject) => {
      const req = https.request(
        {
          host: "127.0.0.1",
          port: httpsPort,
          path: "/",
          headers: { host: "app.test" },
          agent: false,
          rejectUnauthorized: false,
          servername: "app.test",
        },
        (res) => {
          res.resume();
          resolve(res.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase()));
        },
      );
      req.on("error", reject);
      req.end();
    });
    for (const name of Object.keys(HTTPS_HEADERS)) expect(reply.filter((h) => h === name)).toHaveLength(1);
  });
});

describe("ACME, default host and basic auth", () => {
  test("the ACME HTTP-01 challenge is served on a vhost that includes the hardening", async () => {
    const reply = await request("http", "new.test", "GET", "/.well-known/acme-challenge/tok-123");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("tok-123.account-thumbprint");
  });

  test("the ACME challenge is served on the redirect server of a vhost with a certificate", async () => {
    const reply = await request("http", "app.test", "GET", "/.well-known/acme-challenge/tok-123");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("tok-123.account-thumbprint");
  });

  test("a request for an unknown host is answered by the default host, hardened", async () => {
    const reply = await request("https", "unknown.example", "GET", "/");
    expect(reply.status).toBe(200);
    expect((JSON.parse(reply.body) as Echo).app).toBe("app");
    expect(reply.headers["x-frame-options"]).toBe("DENY");
    expect((await raw("https", "unknown.example", "GET /.git/config HTTP/1.1")).length).toBe(0);
  });

  test.each(["admin", "ops", "sre"])(
    "basic auth: the rendered htpasswd (root:nogroup 0640, read by nobody workers) admits %s (apr1, bcrypt, sha512) with the right password only",
    async (user) => {
      const basic = (p: string) => ({
        authorization: `Basic ${Buffer.from(`${user}:${p}`).toString("base64")}`,
      });
      expect((await request("https", "jaeger.test", "GET", "/search", basic("wrong"))).status).toBe(401);
      const ok = await request("https", "jaeger.test", "GET", "/search", basic(password));
      expect(ok.status).toBe(200);
      expect((JSON.parse(ok.body) as Echo).app).toBe("jaeger");
    },
  );
});

describe("the access log nginx wrote feeds the fail2ban filter", () => {
  test("444 and basic-auth 401 lines match; proxied lines do not", () => {
    const lines = readFileSync(join(dir, "access.log"), "utf8").trim().split("\n");
    // Wrap each line as nginx-proxy's stdout reaches Docker's json-file log (forego prefix).
    const json = lines.map((l) =>
      JSON.stringify({
        log: `nginx.1    | ${l}\n`,
        stream: "stdout",
        time: "2026-11-26T00:10:01.123456789Z",
      }),
    );
    writeFileSync(join(dir, "docker-json.log"), `${json.join("\n")}\n`);
    writeFileSync(join(dir, "filter.conf"), renderProbeFilter());
    const out = execFileSync(
      "fail2ban-regex",
      ["--print-all-matched", join(dir, "docker-json.log"), join(dir, "filter.conf")],
      {
        encoding: "utf8",
      },
    );
    const expected = lines.filter((l) => / (444|401|403) \d+ "[^"]*" "[^"]*" "-"$/.test(l)).length;
    const proxied = lines.filter((l) => !l.endsWith('"-"')).length;
    expect(expected).toBeGreaterThan(40);
    expect(proxied).toBeGreaterThan(15);
    expect(out).toMatch(
      new RegExp(
        `Lines: ${lines.length} lines, 0 ignored, ${expected} matched, ${lines.length - expected} missed`,
      ),
    );
  });
});
