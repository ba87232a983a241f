import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import { TOKEN_RE, type ApiKeyConfig, type TokenConfig } from "./auth";
import { failure } from "./envelope";
import { CloudflareApiError, cfErrors } from "./errors";
import { ID_RE, idFrom } from "./ids";
import { toApiRecord } from "./record";
import { handle, UNPARSABLE_BODY, type ApiContext, type ApiResponse } from "./routes";
import { readStateFile, writeStateFile } from "./state-file";
import { RecordStore, type ZoneSnapshot } from "./store";
import { isHostName, validateRecordBody } from "./validation";

/** A zone to serve. */
export interface ZoneConfig {
  /** 32 hex digits. Default: derived from the name, the same on every start. */
  readonly id?: string;
  /** Zone name, e.g. `hemma.test`. */
  readonly name: string;
}

/** Options of {@link startCloudflareApi}. */
export interface CloudflareApiOptions {
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 0. */
  readonly port?: number;
  /** Zones served. */
  readonly zones: readonly ZoneConfig[];
  /** API tokens accepted, each scoped to zone ids. */
  readonly tokens: readonly TokenConfig[];
  /** Legacy global API keys accepted. Default none. */
  readonly keys?: readonly ApiKeyConfig[];
  /** JSON file the records are loaded from and saved to after every change. Default: memory only. */
  readonly stateFile?: string;
  /** PEM certificate and key: serve HTTPS (ddclient 3.10 and later only speak HTTPS to Cloudflare). */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /**
   * Serve HTTPS (with `tls`) on this second address instead of on `host`/`port`, which then stay
   * plain HTTP: one set of records for a client that needs HTTPS (ddclient) and one that is
   * simplest without a private CA (the Pulumi provider). Default: one listener.
   */
  readonly tlsListener?: { readonly host?: string; readonly port?: number };
  /** Clock for record timestamps. Default the system clock. */
  readonly now?: () => Date;
  /** Called with every request once answered (the CLI prints them). */
  readonly onRequest?: (entry: RequestLogEntry) => void;
}

/** One answered request. */
export interface RequestLogEntry {
  /** HTTP method. */
  readonly method: string;
  /** Path as sent, without the query. */
  readonly path: string;
  /** Raw query string without `?` ("" when none). */
  readonly query: string;
  /** Parsed JSON body, `"<unparsable>"`, or undefined when none was sent. */
  readonly body: unknown;
  /** HTTP status answered. */
  readonly status: number;
  /** Cloudflare error codes answered (empty on success). */
  readonly errorCodes: readonly number[];
  /** Token id or API key e-mail of the caller, when the credential checked out. */
  readonly caller?: string;
}

/** A record planted or changed directly, as a person would in Cloudflare's dashboard. */
export interface RecordInput {
  /** Id to use when creating; an existing id is overwritten. Default: a fresh one. */
  readonly id?: string;
  /** Name, relative or full. */
  readonly name: string;
  /** Record type. */
  readonly type: string;
  /** Address, target or text. */
  readonly content: string;
  /** Default 1 (automatic). */
  readonly ttl?: number;
  /** Default false. */
  readonly proxied?: boolean;
  /** Default none. */
  readonly comment?: string | null;
  /** Default none. */
  readonly tags?: readonly string[];
  /** Default none. */
  readonly settings?: Readonly<Record<string, boolean>>;
}

/** A running local Cloudflare API. */
export interface CloudflareApi {
  /** Base URL to give clients, e.g. `http://127.0.0.1:8787/client/v4` (plain `/zones/...` works too). */
  readonly url: string;
  /** Base URL of the HTTPS listener when `tlsListener` was given, e.g. `https://172.18.0.1:8443/client/v4`. */
  readonly tlsUrl?: string;
  /** The zones served, with their ids. */
  readonly zones: readonly { readonly id: string; readonly name: string }[];
  /** Requests answered so far, oldest first. */
  readonly requests: readonly RequestLogEntry[];
  /** Forgets the request log. */
  clearRequests(): void;
  /** The zone's records as `GET dns_records` returns them, sorted by name, type and content. */
  dump(zoneId: string): Record<string, unknown>[];
  /** Creates or overwrites a record without going through the API; validated like the API. */
  setRecord(zoneId: string, record: RecordInput): Record<string, unknown>;
  /** Deletes a record without going through the API. */
  deleteRecord(zoneId: string, recordId: string): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Largest request body read; Cloudflare's records are a few hundred bytes. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Starts a server that speaks Cloudflare's v4 API for zones and DNS records
 * (docs/decisions/0091-local-cloudflare-api.md), on loopback by default.
 *
 * @throws Error listing every problem with the options (before anything listens)
 */
export async function startCloudflareApi(options: CloudflareApiOptions): Promise<CloudflareApi> {
  const zones = options.zones.map((z) => ({
    id: z.id ?? idFrom(`zone:${z.name.toLowerCase()}`),
    name: z.name.toLowerCase(),
  }));
  const keys = options.keys ?? [];
  checkOptions(zones, options.tokens, keys);

  let others: Record<string, ZoneSnapshot> = {};
  let initial: Record<string, ReturnType<RecordStore["records"]>> = {};
  if (options.stateFile !== undefined)
    ({ records: initial, others } = readStateFile(options.stateFile, zones));
  const stateFile = options.stateFile;
  const store: RecordStore = new RecordStore(zones, {
    initial,
    ...(options.now ? { now: options.now } : {}),
    onChange: () => {
      if (stateFile !== undefined) writeStateFile(stateFile, store.snapshot(), others);
    },
  });
  const ctx: ApiContext = { store, tokens: options.tokens, keys };
  const log: RequestLogEntry[] = [];

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void answer(ctx, req).then(({ response, entry }) => {
      log.push(entry);
      options.onRequest?.(entry);
      const body = JSON.stringify(response.body);
      res.writeHead(response.status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
    });
  };
  if (options.tlsListener !== undefined && options.tls === undefined)
    throw new Error("local Cloudflare API options:\n  tlsListener needs tls (a certificate and key)");
  const secure = options.tls ? { cert: options.tls.cert, key: options.tls.key } : undefined;
  const servers: (http.Server | https.Server)[] = [];
  const urls: string[] = [];
  const listeners =
    options.tlsListener !== undefined
      ? [
          { host: options.host, port: options.port, tls: false },
          { host: options.tlsListener.host ?? options.host, port: options.tlsListener.port, tls: true },
        ]
      : [{ host: options.host, port: options.port, tls: secure !== undefined }];
  try {
    for (const l of listeners) {
      const server = l.tls ? https.createServer(secure!, listener) : http.createServer(listener);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(l.port ?? 0, l.host ?? "127.0.0.1", () => {
          server.off("error", reject);
          resolve();
        });
      });
      servers.push(server);
      urls.push(baseUrl(server.address() as AddressInfo, l.tls));
    }
  } catch (err) {
    for (const server of servers) server.close();
    throw err;
  }
  const url = urls[0]!;
  const tlsUrl = options.tlsListener !== undefined ? urls[1] : undefined;

  const zoneName = (zoneId: string): string => {
    const zone = store.zone(zoneId);
    if (zone === undefined) throw new Error(`unknown zone id ${zoneId}`);
    return zone.name;
  };

  return {
    url,
    ...(tlsUrl !== undefined ? { tlsUrl } : {}),
    zones,
    get requests() {
      return [...log];
    },
    clearRequests: () => void log.splice(0, log.length),
    dump: (zoneId) => {
      const name = zoneName(zoneId);
      return store
        .records(zoneId)
        .sort(
          (a, b) =>
            a.name.localeCompare(b.name) ||
            a.type.localeCompare(b.type) ||
            a.content.localeCompare(b.content),
        )
        .map((r) => toApiRecord(r, name));
    },
    setRecord: (zoneId, input) => {
      const name = zoneName(zoneId);
      const { id, ...body } = input;
      const existing = id !== undefined ? store.records(zoneId).find((r) => r.id === id) : undefined;
      const fields = validateRecordBody(name, body, "overwrite");
      if (existing) return toApiRecord(store.replace(zoneId, existing.id, fields), name);
      if (id !== undefined && !ID_RE.test(id)) throw new Error(`record id ${id} is not 32 hex digits`);
      return toApiRecord(store.create(zoneId, fields, id), name);
    },
    deleteRecord: (zoneId, recordId) => {
      zoneName(zoneId);
      store.delete(zoneId, recordId);
    },
    close: () =>
      Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}

/** The base URL clients use for a listening server; a wildcard address is shown as loopback. */
function baseUrl(address: AddressInfo, tls: boolean): string {
  const host = address.address === "0.0.0.0" || address.address === "::" ? "127.0.0.1" : address.address;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return `${tls ? "https" : "http"}://${shownHost}:${address.port}/client/v4`;
}

/** Reads, parses and answers one request; never rejects and never answers 5xx. */
async function answer(
  ctx: ApiContext,
  req: http.IncomingMessage,
): Promise<{ response: ApiResponse; entry: RequestLogEntry }> {
  const target = new URL(req.url ?? "/", "http://local");
  const method = (req.method ?? "GET").toUpperCase();
  let body: unknown;
  let response: ApiResponse;
  try {
    const raw = await readBody(req);
    body = raw.length === 0 ? undefined : parseJson(raw);
    response = handle(ctx, {
      method,
      path: target.pathname,
      query: target.searchParams,
      headers: req.headers,
      body,
    });
  } catch (err) {
    if (err instanceof CloudflareApiError) response = { status: err.status, body: failure(err.errors) };
    else {
      // A bug here must still be a 4xx, or the provider would retry it for minutes.
      console.error(`cloudflare-api: internal error on ${method} ${target.pathname}:`, err);
      response = {
        status: 400,
        body: failure([
          { code: 1000, message: `Internal error in the local Cloudflare API: ${(err as Error).message}` },
        ]),
      };
    }
  }
  const entry: RequestLogEntry = {
    method,
    path: target.pathname,
    query: target.search.replace(/^\?/, ""),
    body: body === UNPARSABLE_BODY ? "<unparsable>" : body,
    status: response.status,
    errorCodes: response.body.errors.map((e) => e.code),
    ...(response.caller ? { caller: response.caller } : {}),
  };
  return { response, entry };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () =>
      size > MAX_BODY_BYTES
        ? reject(new CloudflareApiError(413, cfErrors.invalidBody().errors))
        : resolve(Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return UNPARSABLE_BODY;
  }
}

function checkOptions(
  zones: readonly { id: string; name: string }[],
  tokens: readonly TokenConfig[],
  keys: readonly ApiKeyConfig[],
): void {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const z of zones) {
    if (!ID_RE.test(z.id)) problems.push(`zone ${z.name}: id ${z.id} is not 32 lower-case hex digits`);
    if (!isHostName(z.name, { wildcard: false }) || !z.name.includes("."))
      problems.push(`zone ${z.name}: not a DNS name with at least two labels`);
    if (ids.has(z.id)) problems.push(`zone id ${z.id} is given twice`);
    ids.add(z.id);
  }
  const names = zones.map((z) => z.name);
  if (new Set(names).size !== names.length) problems.push("a zone name is given twice");
  tokens.forEach((t, i) => {
    // The value never appears in a message: tokens are secrets in real setups.
    if (!TOKEN_RE.test(t.value)) problems.push(`token #${i + 1}: not 40-80 letters, digits, '-' or '_'`);
    for (const z of t.zoneIds) if (!ids.has(z)) problems.push(`token #${i + 1}: zone id ${z} is not served`);
  });
  keys.forEach((k, i) => {
    for (const z of k.zoneIds)
      if (!ids.has(z)) problems.push(`API key #${i + 1} (${k.email}): zone id ${z} is not served`);
  });
  if (problems.length > 0) throw new Error(`local Cloudflare API options:\n  ${problems.join("\n  ")}`);
}
