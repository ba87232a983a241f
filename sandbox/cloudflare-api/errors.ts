/**
 * The Cloudflare v4 errors this server answers with: HTTP status, code and message.
 *
 * Every entry says where its code and text come from (docs/decisions/0091-local-cloudflare-api.md
 * has the full table). Where Cloudflare's public material names no code for a case, the error is
 * `1004 DNS Validation Error` with the detail in `error_chain`, and says so.
 *
 * Every status is a 4xx: pulumi-resource-cloudflare retries connection errors, 408, 409, 429 and
 * 5xx ten times with back-off, so a 5xx from a test server stalls a run for minutes.
 */

/** One entry of an envelope's `errors` (or of an error's `error_chain`). */
export interface ApiMessage {
  /** Cloudflare's numeric code. */
  readonly code: number;
  /** Human-readable text. */
  readonly message: string;
  /** Causes, as Cloudflare nests them under a general code (e.g. 6003 → 6111). */
  readonly error_chain?: readonly ApiMessage[];
}

/** A refused request: the HTTP status and the `errors` of the failure envelope. */
export class CloudflareApiError extends Error {
  /** HTTP status, always 4xx. */
  readonly status: number;
  /** The envelope's `errors`. */
  readonly errors: readonly ApiMessage[];

  constructor(status: number, errors: readonly ApiMessage[]) {
    super(errors.map((e) => `${e.code} ${e.message}`).join("; "));
    if (status < 400 || status > 499) throw new Error(`CloudflareApiError: status ${status} is not a 4xx`);
    this.status = status;
    this.errors = errors;
  }
}

const one = (status: number, code: number, message: string): CloudflareApiError =>
  new CloudflareApiError(status, [{ code, message }]);

/** The error catalogue. */
export const cfErrors = {
  /** Observed (cloudflare-python#2678): no credential header at all. */
  missingCredentials: () => one(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers"),
  /** Observed (ddns-go#658 and others): an Authorization header that is not `Bearer <token>`. */
  malformedAuthorization: () =>
    new CloudflareApiError(400, [
      {
        code: 6003,
        message: "Invalid request headers",
        error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }],
      },
    ]),
  /** Observed (ddns-go#890, status 403): a well-formed token Cloudflare does not know. */
  invalidToken: () => one(403, 9109, "Invalid access token"),
  /** Message observed (cloudflare-dyndns and others); code 1000 and status 401 are from memory. */
  invalidTokenOnVerify: () => one(401, 1000, "Invalid API Token"),
  /** Observed (cloudflare-dyndns#40): `/user/tokens/verify` called with an API key, not a token. */
  verifyNeedsToken: () => one(400, 1001, 'Missing "Authorization" header'),
  /** Code and text from common reports; the status is a guess. */
  unknownApiKey: () => one(403, 9103, "Unknown X-Auth-Key or X-Auth-Email"),
  /**
   * Observed (terraform-provider-cloudflare#913, #3292, status 403): the credential may not act on
   * the zone. Cloudflare answers the same for a zone that does not exist.
   */
  notAuthorizedForZone: () => one(403, 10000, "Authentication error"),
  /** Observed (cloudflare-go#118, status 400): an identifier in the path is not 32 hex digits. */
  invalidIdentifier: (path: string) =>
    new CloudflareApiError(400, [
      { code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` },
      { code: 7000, message: "No route for that URI" },
    ]),
  /** Observed code and text; the status 400 is chosen over 404 so a client never reads "deleted". */
  noRoute: () => one(400, 7000, "No route for that URI"),
  /** Observed text (DDNS-Cloudflare-Bash#3) for a method a route does not take; status guessed. */
  methodNotAllowed: (method: string, scheme: "api_token" | "api_key") =>
    one(405, 10000, `${method} method not allowed for the ${scheme} authentication scheme`),
  /** Observed (zanjie1999/cloudflare-api-v4-ddns#5): a record id the zone does not have. */
  recordNotFound: () => one(404, 81044, "Record does not exist."),
  /** Text observed (favonia/cloudflare-ddns#1026); the code 9207 is from memory, not from a source. */
  invalidBody: () => one(400, 9207, "Request body is invalid."),
  /** Observed (ddns-go#1378, status 400): same type, name and content as another record. */
  identicalRecord: () => one(400, 81058, "An identical record already exists."),
  /** Observed (bearblog#105): a CNAME where an A, AAAA or CNAME of that name exists. */
  hostTaken: () => one(400, 81053, "An A, AAAA, or CNAME record with that host already exists."),
  /** Observed (favonia/cloudflare-ddns#990): an A/AAAA where a CNAME of that name exists. */
  cnameTaken: () =>
    one(
      400,
      81054,
      "A CNAME record with that host already exists. For more details, refer to " +
        "<https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>.",
    ),
  /** Observed (timothymiller/cloudflare-ddns#230, top-level since 2022). */
  invalidIpv4: () => one(400, 9005, "Content for A record must be a valid IPv4 address."),
  /** Code observed (NewFuture/DDNS#125); the range in the text follows today's docs (60-86400). */
  invalidTtl: () => one(400, 9021, "Invalid TTL. Must be between 60 and 86,400 seconds, or 1 for automatic"),
  /** Observed (cloudflare-ddns-updater#85). */
  ttlNotNumber: () => one(400, 9022, "TTL must be a number, not a string."),
  /** Observed (cloudflare-ddns-client#20), nested under 1004 as reported. */
  proxiedNotBoolean: () => validation(9003, "Invalid 'proxied' value, must be a boolean"),
  /** Observed (hashicorp/terraform#11991), nested under 1004 as reported. */
  notProxiable: () => validation(9004, "This kind of record cannot be proxied"),
  /** No Cloudflare code known for this case: 1004 with the detail in the chain (guessed). */
  invalidRecord: (detail: string) => validation(1004, detail),
} as const;

/** `1004 DNS Validation Error` with one cause, the shape Cloudflare used for record errors. */
function validation(code: number, message: string): CloudflareApiError {
  return new CloudflareApiError(400, [
    { code: 1004, message: "DNS Validation Error", error_chain: [{ code, message }] },
  ]);
}
