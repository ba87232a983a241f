import * as http from "http";
import * as https from "https";

/** What the server answered. */
export interface Reply {
  /** HTTP status. */
  readonly status: number;
  /** Response headers. */
  readonly headers: http.IncomingHttpHeaders;
  /** Parsed JSON body. */
  readonly body: {
    success: boolean;
    errors: { code: number; message: string; error_chain?: { code: number; message: string }[] }[];
    messages: { code: number; message: string; type?: string | null }[];
    result: unknown;
    result_info?: { page: number; per_page: number; count: number; total_count: number; total_pages: number };
  };
}

/** Request options of {@link call}. */
export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Extra or replacing headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-encoded unless a string (sent as is). */
  readonly body?: unknown;
  /** CA to trust for an https URL. */
  readonly ca?: string | Buffer;
}

/**
 * One request to the local API over loopback: `path` is relative to `baseUrl` (which ends in
 * `/client/v4`). Resolves with the parsed reply whatever the status.
 */
export function call(baseUrl: string, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const url = new URL(baseUrl + path);
  const payload =
    opts.body === undefined
      ? undefined
      : typeof opts.body === "string"
        ? opts.body
        : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}),
    ...(payload !== undefined ? { "content-type": "application/json" } : {}),
    ...opts.headers,
  };
  const request = url.protocol === "https:" ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ...(opts.ca ? { ca: opts.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: JSON.parse(text) as Reply["body"],
          });
        } catch {
          reject(new Error(`${method} ${path}: not JSON (${res.statusCode}): ${text}`));
        }
      });
    });
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
