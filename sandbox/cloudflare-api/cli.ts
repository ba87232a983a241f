/**
 * `npm run cloudflare-api -- --zone hemma.test[=<id>] --token <token>:<zone>[,<zone>] [options]`:
 * the local Cloudflare API as a standalone process, for the dev stack and ddclient.
 */
import * as fs from "fs";
import type { ApiKeyConfig, TokenConfig } from "./auth";
import { ID_RE, idFrom } from "./ids";
import {
  startCloudflareApi,
  type CloudflareApiOptions,
  type RequestLogEntry,
  type ZoneConfig,
} from "./server";

const USAGE = `usage: npm run cloudflare-api -- --zone <name>[=<id>] --token <token>:<zone>[,<zone>...] [options]

Serves Cloudflare's v4 API for zones and DNS records (docs/decisions/0091-local-cloudflare-api.md).
Prints the base URL on the first line of stdout (give it to the Pulumi provider as cloudflare:baseUrl
or CLOUDFLARE_BASE_URL, to ddclient as server=<host:port/client/v4>), with --tls-port the HTTPS
URL on the second, then logs each request to stderr. Runs until SIGINT or SIGTERM.

  --zone <name>[=<id>]        a zone to serve; without an id, one derived from the name (stable)
  --token <token>:<zones>     an API token (40-80 of A-Z a-z 0-9 - _) and the zones, by name or id,
                              it may read and edit; repeatable
  --tokens-from-env <VAR>     more tokens from the environment variable VAR, one <token>:<zones> per
                              line, so no token shows in the process list
  --key <email>:<key>:<zones> a legacy global API key (X-Auth-Email/X-Auth-Key); repeatable
  --host <address>            address to listen on (default 127.0.0.1)
  --port <n>                  port (default 0: any free port)
  --state <file>              load records from this JSON file and save them after every change
  --tls-cert <file>           serve HTTPS with this PEM certificate (needs --tls-key)
  --tls-key <file>            the certificate's PEM key
  --tls-host <address>        with --tls-port: address of the HTTPS listener (default --host)
  --tls-port <n>              serve HTTPS on this port and plain HTTP on --port (default: --port is HTTPS)
  --quiet                     do not log requests

exit codes:
  0  stopped by SIGINT or SIGTERM
  1  could not start (port taken, unreadable state or certificate file)
  2  usage error`;

/** Options parsed from the command line. */
export interface CliOptions {
  /** Server options, file contents already read where needed. */
  readonly server: Omit<CloudflareApiOptions, "tls" | "onRequest">;
  /** Certificate and key files, when HTTPS is asked for. */
  readonly tlsFiles?: { readonly cert: string; readonly key: string };
  /** The HTTPS listener next to the plain one (`--tls-host`, `--tls-port`). */
  readonly tlsListener?: { readonly host?: string; readonly port: number };
  /** Log requests to stderr. */
  readonly logRequests: boolean;
}

/**
 * Parses argv (without node and script); returns a usage message instead when it is wrong.
 * `env` is where `--tokens-from-env` looks; a message never shows a token.
 */
export function parseArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CliOptions | { usage: string; help: boolean } {
  const bad = (msg: string) => ({ usage: `${msg}\n\n${USAGE}`, help: false });
  const zones: ZoneConfig[] = [];
  const tokenSpecs: { value: string; zones: string[] }[] = [];
  const keySpecs: { email: string; key: string; zones: string[] }[] = [];
  let host: string | undefined;
  let port: number | undefined;
  let state: string | undefined;
  let cert: string | undefined;
  let key: string | undefined;
  let tlsHost: string | undefined;
  let tlsPort: number | undefined;
  let logRequests = true;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { usage: USAGE, help: true };
    if (arg === "--quiet") {
      logRequests = false;
      continue;
    }
    const takesValue = [
      "--zone",
      "--token",
      "--tokens-from-env",
      "--key",
      "--host",
      "--port",
      "--state",
      "--tls-cert",
      "--tls-key",
      "--tls-host",
      "--tls-port",
    ];
    if (!takesValue.includes(arg))
      return bad(arg.startsWith("-") ? `unknown option ${arg}` : `unexpected argument ${arg}`);
    const name = arg;
    const value = argv[++i];
    if (value === undefined) return bad(`${name} needs a value`);
    switch (name) {
      case "--zone": {
        const [zoneName, id] = value.includes("=") ? splitOnce(value, "=") : [value, undefined];
        if (id !== undefined && !ID_RE.test(id))
          return bad(`--zone ${value}: the id must be 32 lower-case hex digits`);
        zones.push(id !== undefined ? { name: zoneName, id } : { name: zoneName });
        break;
      }
      case "--token": {
        const [v, list] = splitOnce(value, ":");
        if (list === undefined || list === "") return bad("--token needs <token>:<zone>[,<zone>...]");
        tokenSpecs.push({ value: v, zones: list.split(",") });
        break;
      }
      case "--tokens-from-env": {
        const text = env[value];
        if (text === undefined) return bad(`--tokens-from-env ${value}: the variable is not set`);
        const lines = text
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => l !== "");
        for (const [n, line] of lines.entries()) {
          const [v, list] = splitOnce(line, ":");
          if (list === undefined || list === "")
            return bad(`--tokens-from-env ${value}: line ${n + 1} is not <token>:<zone>[,<zone>...]`);
          tokenSpecs.push({ value: v, zones: list.split(",") });
        }
        break;
      }
      case "--key": {
        const parts = value.split(":");
        if (parts.length !== 3 || parts.some((p) => p === ""))
          return bad("--key needs <email>:<key>:<zone>[,<zone>...]");
        keySpecs.push({ email: parts[0]!, key: parts[1]!, zones: parts[2]!.split(",") });
        break;
      }
      case "--host":
        host = value;
        break;
      case "--port":
      case "--tls-port":
        if (!/^[0-9]+$/.test(value) || Number(value) > 65535)
          return bad(`${name} ${value}: not a port number`);
        if (name === "--port") port = Number(value);
        else tlsPort = Number(value);
        break;
      case "--tls-host":
        tlsHost = value;
        break;
      case "--state":
        state = value;
        break;
      case "--tls-cert":
        cert = value;
        break;
      case "--tls-key":
        key = value;
        break;
    }
  }
  if (zones.length === 0) return bad("at least one --zone is needed");
  if (tokenSpecs.length === 0 && keySpecs.length === 0)
    return bad("at least one --token (or --key) is needed");
  if ((cert === undefined) !== (key === undefined)) return bad("--tls-cert and --tls-key go together");
  if ((tlsPort !== undefined || tlsHost !== undefined) && cert === undefined)
    return bad("--tls-port and --tls-host need --tls-cert and --tls-key");
  if (tlsHost !== undefined && tlsPort === undefined) return bad("--tls-host needs --tls-port");

  const withIds = zones.map((z) => ({
    name: z.name.toLowerCase(),
    id: z.id ?? idFrom(`zone:${z.name.toLowerCase()}`),
  }));
  const resolve = (ref: string): string | undefined =>
    withIds.find((z) => z.id === ref || z.name === ref.toLowerCase())?.id;
  const tokens: TokenConfig[] = [];
  for (const t of tokenSpecs) {
    const ids = t.zones.map(resolve);
    const missing = t.zones.filter((_, i) => ids[i] === undefined);
    if (missing.length > 0) return bad(`--token: zone ${missing.join(", ")} is not given with --zone`);
    tokens.push({ value: t.value, zoneIds: ids as string[] });
  }
  const keys: ApiKeyConfig[] = [];
  for (const k of keySpecs) {
    const ids = k.zones.map(resolve);
    const missing = k.zones.filter((_, i) => ids[i] === undefined);
    if (missing.length > 0) return bad(`--key: zone ${missing.join(", ")} is not given with --zone`);
    keys.push({ email: k.email, key: k.key, zoneIds: ids as string[] });
  }
  return {
    server: {
      zones,
      tokens,
      keys,
      ...(host !== undefined ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(state !== undefined ? { stateFile: state } : {}),
    },
    ...(cert !== undefined && key !== undefined ? { tlsFiles: { cert, key } } : {}),
    ...(tlsPort !== undefined
      ? { tlsListener: { ...(tlsHost !== undefined ? { host: tlsHost } : {}), port: tlsPort } }
      : {}),
    logRequests,
  };
}

/** One request as a log line: method, path, query, body, status, error codes and caller. */
export function formatRequest(e: RequestLogEntry): string {
  const codes = e.errorCodes.length > 0 ? ` errors=${e.errorCodes.join(",")}` : "";
  const body = e.body !== undefined ? ` body=${JSON.stringify(e.body)}` : "";
  return `${e.method} ${e.path}${e.query ? `?${e.query}` : ""}${body} -> ${e.status}${codes}${e.caller ? ` caller=${e.caller}` : ""}`;
}

/**
 * Starts the server and resolves once it has stopped: 0 after SIGINT/SIGTERM, 1 when it could not
 * start, 2 for a usage error. Messages go to stderr; stdout carries only the URL.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if ("usage" in parsed) {
    (parsed.help ? console.log : console.error)(parsed.usage);
    return parsed.help ? 0 : 2;
  }
  let api;
  try {
    const tls = parsed.tlsFiles
      ? { cert: fs.readFileSync(parsed.tlsFiles.cert), key: fs.readFileSync(parsed.tlsFiles.key) }
      : undefined;
    api = await startCloudflareApi({
      ...parsed.server,
      ...(tls ? { tls } : {}),
      ...(parsed.tlsListener ? { tlsListener: parsed.tlsListener } : {}),
      ...(parsed.logRequests ? { onRequest: (e: RequestLogEntry) => console.error(formatRequest(e)) } : {}),
    });
  } catch (err) {
    console.error(`cloudflare-api: cannot start: ${(err as Error).message}`);
    return 1;
  }
  console.log(api.url);
  if (api.tlsUrl !== undefined) console.log(api.tlsUrl);
  for (const z of api.zones) console.error(`cloudflare-api: zone ${z.name} id ${z.id}`);
  const running = api;
  return new Promise<number>((resolve) => {
    const stop = () => void running.close().then(() => resolve(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
