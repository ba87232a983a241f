import type { IncomingHttpHeaders } from "http";
import { cfErrors } from "./errors";
import { idFrom } from "./ids";

/** An API token the server accepts (Cloudflare's `Authorization: Bearer <token>`). */
export interface TokenConfig {
  /** The token, 40-80 letters, digits, `-` or `_` (the shape pulumi-resource-cloudflare checks). */
  readonly value: string;
  /** Zones it may read and edit DNS records in (Zone:Read + DNS:Edit on those zones). */
  readonly zoneIds: readonly string[];
}

/** A legacy global API key (`X-Auth-Email` + `X-Auth-Key`), which older ddclient setups use. */
export interface ApiKeyConfig {
  /** Account e-mail. */
  readonly email: string;
  /** The key. */
  readonly key: string;
  /** Zones it may act on (a real global key reaches every zone of the account). */
  readonly zoneIds: readonly string[];
}

/** Who is calling, once the credential checked out. */
export interface Principal {
  /** Authentication scheme, as Cloudflare names it in its errors. */
  readonly scheme: "api_token" | "api_key";
  /** Token id (derived from the value) or the key's e-mail: what the request log shows. */
  readonly label: string;
  /** Zones the credential reaches. */
  readonly zoneIds: ReadonlySet<string>;
}

/** The token shape pulumi-resource-cloudflare 6.17.0 enforces (provider.go:330). */
export const TOKEN_RE = /^[0-9A-Za-z_-]{40,80}$/;

/** The id `/user/tokens/verify` reports for a token: stable, and never the secret itself. */
export function tokenId(value: string): string {
  return idFrom(`token:${value}`);
}

/**
 * Checks a request's credential headers and returns the caller.
 *
 * Order: an `Authorization` header wins (it must read `Bearer <token>` with a well-formed token);
 * otherwise both `X-Auth-Email` and `X-Auth-Key` must be present; otherwise nothing was sent.
 *
 * @throws CloudflareApiError 9106 (no credential), 6003/6111 (malformed header), 9109 (unknown
 *   token; 1000 on `/user/tokens/verify`), 1001 (API key on `/user/tokens/verify`), 9103 (unknown key)
 */
export function authenticate(
  headers: IncomingHttpHeaders,
  credentials: { tokens: readonly TokenConfig[]; keys: readonly ApiKeyConfig[] },
  opts: { verifyEndpoint: boolean },
): Principal {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const m = /^Bearer (\S+)$/i.exec(authorization.trim());
    if (!m || !TOKEN_RE.test(m[1]!)) throw cfErrors.malformedAuthorization();
    const token = credentials.tokens.find((t) => t.value === m[1]);
    if (token === undefined)
      throw opts.verifyEndpoint ? cfErrors.invalidTokenOnVerify() : cfErrors.invalidToken();
    return { scheme: "api_token", label: tokenId(token.value), zoneIds: new Set(token.zoneIds) };
  }
  const email = header(headers, "x-auth-email");
  const key = header(headers, "x-auth-key");
  if (opts.verifyEndpoint && (email !== undefined || key !== undefined)) throw cfErrors.verifyNeedsToken();
  if (email === undefined || key === undefined) throw cfErrors.missingCredentials();
  const found = credentials.keys.find((k) => k.email.toLowerCase() === email.toLowerCase() && k.key === key);
  if (found === undefined) throw cfErrors.unknownApiKey();
  return { scheme: "api_key", label: found.email, zoneIds: new Set(found.zoneIds) };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
