/**
 * A bounded HTTPS load generator for the sandbox's nginx-proxy on loopback, used by the deploy
 * e2e test and `npm run bench:deploy`: a few concurrent clients, some on keep-alive connections
 * and some opening a fresh connection per request, sending page GETs and database-writing POSTs,
 * plus long requests and queued jobs on demand. Every request is recorded with the release that
 * answered it (the app's `x-skriptoteket-release` header).
 *
 * Like a browser (RFC 9112 §9.3.1; Chromium and Firefox resend any method in this case), a
 * request whose *reused* keep-alive connection is closed before any byte of the answer came back
 * is sent once more on a fresh connection: the server never read it. Such resends are counted,
 * never hidden; any other error, a 5xx, or an unexpected status is a failed request.
 */
import * as https from "node:https";
import type { IncomingMessage } from "node:http";

/** Where the load goes: the proxy's published port on loopback and the virtual host. */
export interface LoadTarget {
  /** Address of the published port (127.0.0.1). */
  readonly host: string;
  /** The sandbox's published HTTPS port. */
  readonly port: number;
  /** The app's host name (SNI and Host header). */
  readonly servername: string;
}

/** How much load. */
export interface LoadOptions {
  /** Clients that keep one connection open across requests. Default 3. */
  readonly keepAliveClients?: number;
  /** Clients that open a new connection for every request. Default 3. */
  readonly freshClients?: number;
  /** Pause after each answer, per client, in ms (bounds the rate). Default 50. */
  readonly pauseMs?: number;
  /** Every n-th request of a client is a POST that writes a row. Default 4. */
  readonly postEvery?: number;
}

/** What a request was for. */
export type RequestKind = "page" | "post" | "slow" | "job";

/** One request and its outcome. */
export interface RequestRecord {
  /** What it was. */
  readonly kind: RequestKind;
  /** Keep-alive client or a fresh connection. */
  readonly connection: "keep-alive" | "fresh";
  /** When it was sent and when it finished (ms since the epoch). */
  readonly start: number;
  readonly end: number;
  /** HTTP status, absent after an error. */
  readonly status?: number;
  /** The release that answered, from the response header. */
  readonly release?: string;
  /** The error, when no answer came. */
  readonly error?: string;
  /** Sent again on a fresh connection after its reused connection closed before answering. */
  readonly resent: boolean;
  /** For a POST: the note text written; for a job: its id. */
  readonly note?: string;
  readonly jobId?: number;
}

const EXPECTED_STATUS: Record<RequestKind, number> = { page: 200, post: 201, slow: 200, job: 201 };

/** Whether a record is a failed request: an error, or not the status the request expects. */
export function failed(r: RequestRecord): boolean {
  return r.error !== undefined || r.status !== EXPECTED_STATUS[r.kind];
}

/** The p-th percentile (0-100) of `values`, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Answer {
  status?: number;
  release?: string;
  body?: string;
  error?: string;
  /** The socket had carried a request before and closed before any answer byte. */
  reusedAndClosedEarly: boolean;
}

function send(
  target: LoadTarget,
  agent: https.Agent | false,
  method: string,
  path: string,
  body: string | undefined,
  timeoutMs: number,
): Promise<Answer> {
  return new Promise((resolve) => {
    let answered = false;
    const req = https.request(
      {
        host: target.host,
        port: target.port,
        servername: target.servername,
        method,
        path,
        agent,
        rejectUnauthorized: false,
        timeout: timeoutMs,
        headers: {
          Host: target.servername,
          ...(agent === false ? { Connection: "close" } : {}),
          ...(body !== undefined
            ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }
            : {}),
        },
      },
      (res: IncomingMessage) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode,
            release: res.headers["x-skriptoteket-release"] as string | undefined,
            body: Buffer.concat(chunks).toString("utf8"),
            reusedAndClosedEarly: false,
          }),
        );
        res.on("error", (e) => resolve({ error: `response: ${e.message}`, reusedAndClosedEarly: false }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e: NodeJS.ErrnoException) =>
      resolve({
        error: `${e.code ?? ""} ${e.message}`.trim(),
        reusedAndClosedEarly: req.reusedSocket && !answered,
      }),
    );
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The `id` of a `POST /jobs` answer body, when it has one. */
function jobIdOf(body: string | undefined): number | undefined {
  try {
    const id = (JSON.parse(body ?? "") as { id?: unknown }).id;
    return typeof id === "number" ? id : undefined;
  } catch {
    return undefined;
  }
}

/** A running load; {@link HttpLoad.stop} ends it and returns every record. */
export class HttpLoad {
  readonly records: RequestRecord[] = [];
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly extra: Promise<void>[] = [];
  private counter = 0;
  private readonly runId = `${process.pid}-${Date.now()}`;

  constructor(
    private readonly target: LoadTarget,
    private readonly options: LoadOptions = {},
  ) {}

  /** One request, resent once on a fresh connection when its reused connection closed early. */
  private async request(
    kind: RequestKind,
    agent: https.Agent | false,
    method: string,
    path: string,
    body?: string,
    extra: Partial<RequestRecord> = {},
  ): Promise<RequestRecord> {
    const start = Date.now();
    const timeout = kind === "slow" ? 60_000 : 30_000;
    let answer = await send(this.target, agent, method, path, body, timeout);
    const resent = answer.reusedAndClosedEarly;
    if (resent) answer = await send(this.target, false, method, path, body, timeout);
    const jobId = kind === "job" && answer.status === 201 ? jobIdOf(answer.body) : undefined;
    const record: RequestRecord = {
      kind,
      connection: agent === false ? "fresh" : "keep-alive",
      start,
      end: Date.now(),
      resent,
      ...(answer.status !== undefined ? { status: answer.status } : {}),
      ...(answer.release !== undefined ? { release: answer.release } : {}),
      ...(answer.error !== undefined ? { error: answer.error } : {}),
      ...(jobId !== undefined ? { jobId } : {}),
      ...extra,
    };
    this.records.push(record);
    return record;
  }

  private async client(agent: https.Agent | false): Promise<void> {
    const postEvery = this.options.postEvery ?? 4;
    const pause = this.options.pauseMs ?? 50;
    for (let n = 1; this.running; n++) {
      if (n % postEvery === 0) {
        const note = `load-${this.runId}-${++this.counter}`;
        await this.request("post", agent, "POST", "/notes", JSON.stringify({ text: note }), { note });
      } else {
        await this.request("page", agent, "GET", "/");
      }
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  /** Starts the clients. */
  start(): this {
    this.running = true;
    for (let i = 0; i < (this.options.keepAliveClients ?? 3); i++)
      this.loops.push(this.client(new https.Agent({ keepAlive: true, maxSockets: 1 })));
    for (let i = 0; i < (this.options.freshClients ?? 3); i++) this.loops.push(this.client(false));
    return this;
  }

  /** Sends one long request (`/slow?seconds=N`) on a fresh connection; it is awaited by {@link stop}. */
  slow(seconds: number): void {
    this.extra.push(this.request("slow", false, "GET", `/slow?seconds=${seconds}`).then(() => undefined));
  }

  /** Enqueues one job of `workSeconds` through the proxy; awaited by {@link stop}. */
  job(workSeconds: number): void {
    this.extra.push(
      this.request("job", false, "POST", "/jobs", JSON.stringify({ seconds: workSeconds })).then(
        () => undefined,
      ),
    );
  }

  /** Stops the clients, waits for every request in flight, and returns the report. */
  async stop(): Promise<LoadReport> {
    this.running = false;
    await Promise.all([...this.loops, ...this.extra]);
    return new LoadReport(this.records);
  }
}

/** The outcome of a load run. */
export class LoadReport {
  constructor(readonly records: readonly RequestRecord[]) {}

  /** Failed requests (errors, 5xx, unexpected statuses). */
  get failures(): RequestRecord[] {
    return this.records.filter(failed);
  }

  /** Requests resent once on a fresh connection, as a browser does. */
  get resent(): RequestRecord[] {
    return this.records.filter((r) => r.resent);
  }

  /** Releases that answered, with how many answers each. */
  releases(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.records) if (r.release !== undefined) out[r.release] = (out[r.release] ?? 0) + 1;
    return out;
  }

  /** The note texts written with a 201. */
  get notesWritten(): string[] {
    return this.records.filter((r) => r.kind === "post" && r.status === 201).map((r) => r.note!);
  }

  /** Latencies in ms of successful page and post requests that started in [from, to). */
  latencies(from = -Infinity, to = Infinity): number[] {
    return this.records
      .filter(
        (r) => (r.kind === "page" || r.kind === "post") && !failed(r) && r.start >= from && r.start < to,
      )
      .map((r) => r.end - r.start);
  }

  /** A one-line summary of a failure, for test messages. */
  static describe(r: RequestRecord): string {
    return `${r.kind} on a ${r.connection} connection at ${new Date(r.start).toISOString()}: ${r.error ?? `status ${r.status}`}${r.release ? ` from ${r.release}` : ""}`;
  }
}
