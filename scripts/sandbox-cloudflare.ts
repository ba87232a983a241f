/**
 * The sandbox's local Cloudflare API as `npm run sandbox` runs it (docs/decisions/0093): a
 * supervised process on this machine, bound to the gateway address of the sandbox's own Docker
 * network, so the Pulumi provider here (plain HTTP) and ddclient inside the sandbox (HTTPS, with a
 * CA made here) reach the same records. Its zone and tokens are the dev stack's: `hemma:dns.zone`
 * and `.zoneId` from `Pulumi.dev.yaml`, the secrets `hemma:cloudflareApiToken` and
 * `hemma:cloudflareDdnsToken` decrypted by the Pulumi CLI with the dev passphrase.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { freeSandboxSubnet } from "./sandbox-subnet";
import { tsScriptArgs } from "./ts-script";
import {
  TOKEN_KEYS,
  TOKENS_ENV,
  cloudflareApiArgs,
  cloudflareApiFiles,
  cloudflareApiFingerprint,
  cloudflareApiUrls,
  tokensEnvValue,
  type CloudflareApiFiles,
  type ServedZone,
} from "./sandbox-cloudflare-spec";

const ROOT = path.resolve(__dirname, "..");
const API_DIR = path.join(ROOT, "sandbox", "cloudflare-api");
const READY_TIMEOUT_MS = 60_000;

/** A failure to report as one line. */
export class CloudflareApiError extends Error {}

/** The running API of one sandbox. */
export interface RunningCloudflareApi {
  /** Plain-HTTP base URL (the provider's `baseUrl`). */
  readonly url: string;
  /** HTTPS base URL (ddclient's `server=`, with the scheme). */
  readonly tlsUrl: string;
  /** The CA certificate on this machine (PEM), to be installed in the sandbox. */
  readonly caCert: string;
  /** The records file. */
  readonly stateFile: string;
  /** The request log. */
  readonly logFile: string;
  /** The supervisor's process id. */
  readonly pid: number;
}

interface ProcessFile {
  readonly pid: number;
  readonly fingerprint: string;
  readonly url: string;
  readonly tlsUrl: string;
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const res = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, ...opts });
  if (res.error) throw new CloudflareApiError(`${cmd} could not run: ${res.error.message}`);
  if (res.status !== 0)
    throw new CloudflareApiError(`${cmd} ${args[0] ?? ""} failed (exit ${res.status}): ${res.stderr.trim()}`);
  return res.stdout;
}

/**
 * The sandbox's own Docker network (named like its container), created when missing; returns its
 * gateway address, which is also this machine's address on that network.
 */
export function ensureSandboxNetwork(network: string): string {
  const exists = spawnSync("docker", ["network", "inspect", network], { encoding: "utf8" }).status === 0;
  if (!exists) {
    const subnet = freeSandboxSubnet(subnetsInUse());
    // With its own --subnet Docker records no gateway unless told one.
    const gatewayAddress = subnet.replace(/\.0\/24$/, ".1");
    run("docker", [
      "network",
      "create",
      "--label",
      "hemma-sandbox.network=1",
      "--subnet",
      subnet,
      "--gateway",
      gatewayAddress,
      network,
    ]);
  }
  const gateway = run("docker", [
    "network",
    "inspect",
    "--format",
    "{{range .IPAM.Config}}{{.Gateway}} {{end}}",
    network,
  ])
    .trim()
    .split(/\s+/)
    .find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
  if (gateway === undefined) throw new CloudflareApiError(`docker network ${network} has no IPv4 gateway`);
  return gateway;
}

/** The subnets of every Docker network and the destinations of this machine's IPv4 routes. */
function subnetsInUse(): string[] {
  const ids = run("docker", ["network", "ls", "-q"]).split(/\s+/).filter(Boolean);
  const networks =
    ids.length === 0
      ? ""
      : run("docker", [
          "network",
          "inspect",
          "--format",
          "{{range .IPAM.Config}}{{.Subnet}} {{end}}",
          ...ids,
        ]);
  const routes = run("ip", ["-4", "route", "show"])
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .map((dst) => (/^\d+\.\d+\.\d+\.\d+$/.test(dst) ? `${dst}/32` : dst));
  return [...networks.split(/\s+/), ...routes].filter(Boolean);
}

/** Removes the sandbox's network when it exists. */
export function removeSandboxNetwork(network: string): void {
  if (spawnSync("docker", ["network", "inspect", network]).status === 0)
    run("docker", ["network", "rm", network]);
}

/** The zone of `Pulumi.dev.yaml` (`hemma:dns.zone` and `.zoneId`). */
export function readDevZone(root: string = ROOT): ServedZone {
  const doc = parse(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const dns = doc.config?.["hemma:dns"] as { zone?: unknown; zoneId?: unknown } | undefined;
  if (typeof dns?.zone !== "string" || typeof dns.zoneId !== "string")
    throw new CloudflareApiError("Pulumi.dev.yaml has no hemma:dns.zone and hemma:dns.zoneId");
  return { name: dns.zone, id: dns.zoneId };
}

/**
 * The dev stack's Cloudflare tokens, decrypted by the Pulumi CLI (`pulumi config --show-secrets`)
 * on a throw-away backend: the stack file carries its own salt, so no state is needed.
 */
export async function readDevTokens(root: string = ROOT): Promise<string[]> {
  const engine = await import("./engine");
  const cli = engine.ensurePulumiCli();
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-dev-secrets-"));
  try {
    const env = { ...process.env, ...engine.engineEnv(backend, engine.DEV_PASSPHRASE) };
    run(cli, ["stack", "init", "dev", "--non-interactive"], { env, cwd: root });
    const config = JSON.parse(
      run(cli, ["config", "--stack", "dev", "--show-secrets", "--json", "--non-interactive"], {
        env,
        cwd: root,
      }),
    ) as Record<string, { value?: unknown }>;
    return TOKEN_KEYS.map((key) => {
      const value = config[key]?.value;
      if (typeof value !== "string" || value === "")
        throw new CloudflareApiError(
          `Pulumi.dev.yaml has no secret ${key} (set it with pulumi config set --secret)`,
        );
      return value;
    });
  } finally {
    fs.rmSync(backend, { recursive: true, force: true });
  }
}

/**
 * The CA (made once per sandbox directory) and a server certificate for `gateway` signed by it,
 * made again whenever the gateway address changed. ddclient checks the address against the
 * certificate's IP subject alternative name.
 */
export function ensureCertificates(files: CloudflareApiFiles, gateway: string): void {
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(files.caKey) || !fs.existsSync(files.caCert)) {
    run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "3650",
      "-subj",
      "/CN=hemma-sandbox local Cloudflare API CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-keyout",
      files.caKey,
      "-out",
      files.caCert,
    ]);
    fs.rmSync(files.serverSanFile, { force: true });
  }
  const current = fs.existsSync(files.serverSanFile) ? fs.readFileSync(files.serverSanFile, "utf8") : "";
  if (current === gateway && fs.existsSync(files.serverCert) && fs.existsSync(files.serverKey)) return;
  const csr = path.join(files.dir, "server.csr");
  const ext = path.join(files.dir, "server.ext");
  fs.writeFileSync(
    ext,
    [
      `subjectAltName=IP:${gateway}`,
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "",
    ].join("\n"),
  );
  run("openssl", [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${gateway}`,
    "-keyout",
    files.serverKey,
    "-out",
    csr,
  ]);
  run("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    files.caCert,
    "-CAkey",
    files.caKey,
    "-CAcreateserial",
    "-days",
    "825",
    "-extfile",
    ext,
    "-out",
    files.serverCert,
  ]);
  fs.rmSync(csr, { force: true });
  fs.rmSync(ext, { force: true });
  fs.writeFileSync(files.serverSanFile, gateway);
}

function readProcessFile(files: CloudflareApiFiles): ProcessFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(files.processFile, "utf8")) as ProcessFile;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is alive and is this sandbox's supervisor (its command line names its state file). */
function isOurSupervisor(pid: number, files: CloudflareApiFiles): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return cmdline.some((a) => a.endsWith("supervise.ts")) && cmdline.includes(files.stateFile);
  } catch {
    return false;
  }
}

/** Whether the API at `url` accepts `token` (`GET user/tokens/verify` answers 200). */
async function accepts(url: string, token: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/user/tokens/verify`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(2000),
    });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Stops the sandbox's API when it runs (SIGTERM to its supervisor, which stops the API first). */
export async function stopCloudflareApi(sandboxDir: string): Promise<boolean> {
  const files = cloudflareApiFiles(sandboxDir);
  const proc = readProcessFile(files);
  fs.rmSync(files.processFile, { force: true });
  if (proc === undefined || !isOurSupervisor(proc.pid, files)) return false;
  process.kill(proc.pid, "SIGTERM");
  const end = Date.now() + 10_000;
  while (isOurSupervisor(proc.pid, files)) {
    if (Date.now() > end) {
      process.kill(proc.pid, "SIGKILL");
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Every source file of the API, for the fingerprint: changed code restarts it. */
function apiCode(): { path: string; content: string }[] {
  return fs
    .readdirSync(API_DIR)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => ({ path: f, content: fs.readFileSync(path.join(API_DIR, f), "utf8") }));
}

/**
 * Starts the sandbox's API, or keeps the one running when it was started with the same zone,
 * tokens, address, certificate and code and still accepts the dev token.
 */
export async function ensureCloudflareApi(opts: {
  readonly sandboxDir: string;
  readonly gateway: string;
  readonly log: (message: string) => void;
}): Promise<RunningCloudflareApi> {
  const files = cloudflareApiFiles(opts.sandboxDir);
  const zone = readDevZone();
  const tokens = await readDevTokens();
  ensureCertificates(files, opts.gateway);
  const args = cloudflareApiArgs(zone, opts.gateway, files);
  const fingerprint = cloudflareApiFingerprint(
    args,
    tokens,
    fs.readFileSync(files.serverCert, "utf8"),
    apiCode(),
  );
  const { url, tlsUrl } = cloudflareApiUrls(opts.gateway);
  const result = (pid: number): RunningCloudflareApi => ({
    url,
    tlsUrl,
    caCert: fs.readFileSync(files.caCert, "utf8"),
    stateFile: files.stateFile,
    logFile: files.logFile,
    pid,
  });

  const running = readProcessFile(files);
  if (
    running !== undefined &&
    running.fingerprint === fingerprint &&
    isOurSupervisor(running.pid, files) &&
    (await accepts(url, tokens[0]!))
  ) {
    opts.log(`local Cloudflare API ${url} (pid ${running.pid}) is already running`);
    return result(running.pid);
  }
  if (await stopCloudflareApi(opts.sandboxDir)) opts.log("stopped the local Cloudflare API started earlier");

  const out = fs.openSync(files.logFile, "a", 0o600);
  const child = spawn(process.execPath, tsScriptArgs(path.join(API_DIR, "supervise.ts"), args), {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...process.env, [TOKENS_ENV]: tokensEnvValue(tokens, zone) },
  });
  fs.closeSync(out);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new CloudflareApiError("the local Cloudflare API's supervisor did not start");
  const record: ProcessFile = { pid, fingerprint, url, tlsUrl };
  fs.writeFileSync(files.processFile, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });

  const end = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepts(url, tokens[0]!))) {
    if (Date.now() > end || !isOurSupervisor(pid, files)) {
      await stopCloudflareApi(opts.sandboxDir);
      const tail = fs.readFileSync(files.logFile, "utf8").split("\n").slice(-15).join("\n");
      throw new CloudflareApiError(
        `the local Cloudflare API did not answer at ${url}; its log ends:\n${tail}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  opts.log(
    `local Cloudflare API for ${zone.name} at ${url} and ${tlsUrl} (pid ${pid}, log ${files.logFile})`,
  );
  return result(pid);
}

/** One line for `sandbox status`. */
export function cloudflareApiStatus(sandboxDir: string): string {
  const files = cloudflareApiFiles(sandboxDir);
  const proc = readProcessFile(files);
  return proc !== undefined && isOurSupervisor(proc.pid, files)
    ? `cloudflare-api running ${proc.url} ${proc.tlsUrl} pid ${proc.pid}`
    : "cloudflare-api stopped";
}
