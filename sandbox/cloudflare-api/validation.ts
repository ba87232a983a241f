import { isIP, isIPv4, isIPv6 } from "net";
import { domainToASCII } from "url";
import { cfErrors } from "./errors";

/** Record types this server stores. Cloudflare knows more (see {@link CLOUDFLARE_TYPES}). */
export const SUPPORTED_TYPES = ["A", "AAAA", "CNAME", "TXT"] as const;
/** A record type this server stores. */
export type RecordType = (typeof SUPPORTED_TYPES)[number];

/** Every type Cloudflare's API documents for DNS records (cloudflare-go v6 `RecordListParamsType`). */
export const CLOUDFLARE_TYPES = [
  "A",
  "AAAA",
  "CAA",
  "CERT",
  "CNAME",
  "DNSKEY",
  "DS",
  "HTTPS",
  "LOC",
  "MX",
  "NAPTR",
  "NS",
  "OPENPGPKEY",
  "PTR",
  "SMIMEA",
  "SRV",
  "SSHFP",
  "SVCB",
  "TLSA",
  "TXT",
  "URI",
] as const;

/** Types Cloudflare can proxy (docs: "only IP resolution records can be proxied"). */
export const PROXIABLE_TYPES: readonly string[] = ["A", "AAAA", "CNAME"];

/** The editable fields of a record, normalised as Cloudflare stores them. */
export interface RecordFields {
  /** Full name in lower-case Punycode, e.g. `www.hemma.test`. */
  readonly name: string;
  /** Record type. */
  readonly type: RecordType;
  /** Address, target host name or text. */
  readonly content: string;
  /** Seconds; 1 means automatic (and is forced for proxied records). */
  readonly ttl: number;
  /** Served through Cloudflare's proxy. */
  readonly proxied: boolean;
  /** Free-text note, or null. */
  readonly comment: string | null;
  /** `name:value` tags. */
  readonly tags: readonly string[];
  /** Per-record settings as given (`ipv4_only`, `ipv6_only`, `flatten_cname`). */
  readonly settings: Readonly<Record<string, boolean>>;
}

/** How a request body relates to the record it changes. */
export type WriteMode =
  /** POST: a new record; unset fields take their defaults. */
  | "create"
  /** PUT: replaces every field; unset fields take their defaults (Cloudflare: "Overwrite"). */
  | "overwrite"
  /** PATCH: only the fields present change. */
  | "patch";

/** Comment length limit on Free and Pro zones (Cloudflare's record-attributes feature table). */
export const MAX_COMMENT_LENGTH = 100;
/** TXT content limit (guessed from Cloudflare's dashboard; not in the API schema). */
export const MAX_TXT_LENGTH = 2048;
const MIN_TTL = 60;
const MAX_TTL = 86400;
const LABEL_RE = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/;
const TAG_NAME_RE = /^[A-Za-z0-9_-]+$/;
const SETTING_KEYS: Readonly<Record<string, readonly string[]>> = {
  ipv4_only: ["A", "AAAA", "CNAME"],
  ipv6_only: ["A", "AAAA", "CNAME"],
  flatten_cname: ["CNAME"],
};

const DEFAULTS = { ttl: 1, proxied: false, comment: null, tags: [], settings: {} } as const;

/**
 * The full lower-case Punycode name of `input` in `zone`: `@` is the apex, a name already ending
 * in the zone is kept, any other is taken as relative and the zone appended (what Cloudflare does
 * with `www`; it also does it with `www.other.example`). Returns undefined for an invalid name.
 */
export function normaliseName(input: string, zone: string): string | undefined {
  let name = input.trim().toLowerCase().replace(/\.$/, "");
  if (name === "") return undefined;
  if (name === "@") return zone;
  if (/[^ -~]/.test(name)) name = domainToASCII(name);
  if (name === "") return undefined;
  const full = name === zone || name.endsWith(`.${zone}`) ? name : `${name}.${zone}`;
  return isHostName(full, { wildcard: true }) ? full : undefined;
}

/** True for a DNS host name of valid labels; `*` is allowed as the first label when `wildcard`. */
export function isHostName(name: string, opts: { wildcard: boolean }): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split(".");
  return labels.every((label, i) => LABEL_RE.test(label) || (opts.wildcard && i === 0 && label === "*"));
}

/**
 * Validates a create/overwrite/patch body against the zone and (for PATCH) the existing record,
 * and returns the record's fields as Cloudflare would store them. Fields the API does not let a
 * client set (id, zone_id, created_on, meta, ...) and fields of other record types (`priority`,
 * `data`) are ignored, as Cloudflare ignores them.
 *
 * @throws CloudflareApiError with Cloudflare's code for the first problem found
 */
export function validateRecordBody(
  zone: string,
  body: unknown,
  mode: WriteMode,
  existing?: RecordFields,
): RecordFields {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw cfErrors.invalidBody();
  const input = body as Record<string, unknown>;
  const base: Partial<RecordFields> = mode === "patch" ? { ...existing } : { ...DEFAULTS };
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(input, key);

  const type = has("type") ? parseType(input.type) : base.type;
  if (type === undefined) throw cfErrors.invalidRecord("A record type is required.");

  let name = base.name;
  if (has("name")) {
    if (typeof input.name !== "string") throw cfErrors.invalidRecord("DNS name is invalid.");
    name = normaliseName(input.name, zone);
    if (name === undefined) throw cfErrors.invalidRecord("DNS name is invalid.");
  }
  if (name === undefined) throw cfErrors.invalidRecord("DNS name is required.");

  let content = base.content;
  if (has("content")) {
    if (typeof input.content !== "string") throw contentError(type);
    content = input.content;
  }
  if (content === undefined) throw contentError(type);
  content = checkContent(type, content, name);

  let ttl = base.ttl ?? DEFAULTS.ttl;
  if (has("ttl")) {
    if (typeof input.ttl === "string") throw cfErrors.ttlNotNumber();
    if (typeof input.ttl !== "number" || !Number.isInteger(input.ttl)) throw cfErrors.invalidTtl();
    if (input.ttl !== 1 && (input.ttl < MIN_TTL || input.ttl > MAX_TTL)) throw cfErrors.invalidTtl();
    ttl = input.ttl;
  }

  let proxied = base.proxied ?? DEFAULTS.proxied;
  if (has("proxied")) {
    if (typeof input.proxied !== "boolean") throw cfErrors.proxiedNotBoolean();
    proxied = input.proxied;
  }
  if (proxied && !PROXIABLE_TYPES.includes(type)) throw cfErrors.notProxiable();
  // Cloudflare serves proxied names with its own TTL and stores 1 whatever was sent
  // (terraform-provider-cloudflare#126, DNSControl#489).
  if (proxied) ttl = 1;

  const comment = has("comment") ? parseComment(input.comment) : (base.comment ?? null);
  const tags = has("tags") ? parseTags(input.tags) : (base.tags ?? []);
  const settings = has("settings") ? parseSettings(input.settings, type) : (base.settings ?? {});

  return { name, type, content, ttl, proxied, comment, tags, settings };
}

function parseType(value: unknown): RecordType {
  if (typeof value !== "string" || !(CLOUDFLARE_TYPES as readonly string[]).includes(value))
    throw cfErrors.invalidRecord("Invalid DNS record type.");
  if (!(SUPPORTED_TYPES as readonly string[]).includes(value))
    throw cfErrors.invalidRecord(`Record type ${value} is not supported by this local Cloudflare API.`);
  return value as RecordType;
}

function contentError(type: RecordType): Error {
  switch (type) {
    case "A":
      return cfErrors.invalidIpv4();
    case "AAAA":
      return cfErrors.invalidRecord("Content for AAAA record must be a valid IPv6 address.");
    case "CNAME":
      return cfErrors.invalidRecord("Content for CNAME record is invalid.");
    case "TXT":
      return cfErrors.invalidRecord(`Content for TXT record must be 1 to ${MAX_TXT_LENGTH} characters.`);
  }
}

function checkContent(type: RecordType, content: string, name: string): string {
  switch (type) {
    case "A":
      if (!isIPv4(content)) throw contentError(type);
      return content;
    case "AAAA":
      if (!isIPv6(content)) throw contentError(type);
      return content.toLowerCase();
    case "CNAME": {
      let target = content.trim().toLowerCase().replace(/\.$/, "");
      if (/[^ -~]/.test(target)) target = domainToASCII(target);
      // The schema: "A valid hostname. Must not match the record's name." An address is not one.
      if (
        !isHostName(target, { wildcard: false }) ||
        !target.includes(".") ||
        isIP(target) !== 0 ||
        target === name
      )
        throw contentError(type);
      return target;
    }
    case "TXT":
      if (content.length === 0 || content.length > MAX_TXT_LENGTH) throw contentError(type);
      return content;
  }
}

function parseComment(value: unknown): string | null {
  if (value === null || value === "") return null;
  if (typeof value !== "string") throw cfErrors.invalidRecord("Comment must be a string.");
  // Record attributes docs: "comments do not support newline (\n) or carriage return (\r) characters".
  if (/[\r\n]/.test(value)) throw cfErrors.invalidRecord("Comment must not contain newline characters.");
  if (value.length > MAX_COMMENT_LENGTH)
    throw cfErrors.invalidRecord(`Comment must be at most ${MAX_COMMENT_LENGTH} characters.`);
  return value;
}

function parseTags(value: unknown): string[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw cfErrors.invalidRecord("Tags must be an array of name:value strings.");
  return value.map((tag) => {
    if (typeof tag !== "string") throw cfErrors.invalidRecord("Tags must be an array of name:value strings.");
    const [tagName] = tag.split(":", 1);
    // Record attributes docs: tag names "can only contain letters, numbers, -, and _".
    if (!TAG_NAME_RE.test(tagName!) || /[\r\n]/.test(tag))
      throw cfErrors.invalidRecord(`Invalid tag ${JSON.stringify(tag)}.`);
    return tag;
  });
}

function parseSettings(value: unknown, type: RecordType): Record<string, boolean> {
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw cfErrors.invalidRecord("Settings must be an object.");
  const settings: Record<string, boolean> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!SETTING_KEYS[key]?.includes(type))
      throw cfErrors.invalidRecord(`Setting ${key} does not apply to ${type} records.`);
    if (typeof v !== "boolean") throw cfErrors.invalidRecord(`Setting ${key} must be a boolean.`);
    settings[key] = v;
  }
  return settings;
}
