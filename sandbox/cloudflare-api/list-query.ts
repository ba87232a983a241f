import type { ResultInfo } from "./envelope";
import { cfErrors } from "./errors";
import { CLOUDFLARE_TYPES, type RecordFields } from "./validation";

/** Page size limits of one list endpoint. */
export interface PageLimits {
  /** `per_page` when the query has none. */
  readonly default: number;
  /** Smallest accepted `per_page`; smaller values are raised to it. */
  readonly min: number;
  /** Largest accepted `per_page`; larger values are lowered to it. */
  readonly max: number;
}

/** DNS records list (OpenAPI schema `per_page-Mp9VSZz9`: default 100, minimum 5, maximum 50000). */
export const RECORD_PAGE_LIMITS: PageLimits = { default: 100, min: 5, max: 50000 };
/** Zones list (Cloudflare's zone list: default 20, minimum 5, maximum 50). */
export const ZONE_PAGE_LIMITS: PageLimits = { default: 20, min: 5, max: 50 };

/** One page of `items` and its `result_info`. */
export function paginate<T>(
  items: readonly T[],
  query: URLSearchParams,
  limits: PageLimits,
): { page: T[]; info: ResultInfo } {
  const page = positiveInt(query, "page") ?? 1;
  const asked = positiveInt(query, "per_page") ?? limits.default;
  // Out-of-range sizes are clamped rather than refused: Cloudflare documents the bounds, not
  // what it answers outside them (a guess, docs/decisions/0091).
  const perPage = Math.min(limits.max, Math.max(limits.min, asked));
  const start = (page - 1) * perPage;
  const slice = items.slice(start, start + perPage);
  return {
    page: slice,
    info: {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.max(1, Math.ceil(items.length / perPage)),
    },
  };
}

type Condition = (r: RecordFields) => boolean;
type StringTest = (value: string, wanted: string) => boolean;

const STRING_TESTS: Readonly<Record<string, StringTest>> = {
  exact: (v, w) => v === w,
  contains: (v, w) => v.includes(w),
  startswith: (v, w) => v.startsWith(w),
  endswith: (v, w) => v.endsWith(w),
};
const ORDER_FIELDS = ["type", "name", "content", "ttl", "proxied"] as const;

/**
 * The records the list endpoint returns for `query`, filtered and sorted (before paging).
 *
 * Follows the documented parameters: `name`, `content` and `comment` with their `.exact`,
 * `.contains`, `.startswith`, `.endswith` forms (the plain form is `.exact`; `comment.present` /
 * `.absent` too), `type`, `proxied`, `tag` and its `tag.*` forms combined by `tag_match`, all
 * combined by `match` (`all` = AND, `any` = OR), `order` and `direction`. All string filters are
 * case-insensitive. `search` ("intentionally left unspecified" by Cloudflare) matches a substring
 * of the name, content or comment.
 *
 * @throws CloudflareApiError for a parameter value outside its documented set
 */
export function selectRecords<T extends RecordFields>(records: readonly T[], query: URLSearchParams): T[] {
  const conditions: Condition[] = [];
  const text = (field: "name" | "content" | "comment") => (r: RecordFields) => (r[field] ?? "").toLowerCase();

  for (const field of ["name", "content", "comment"] as const) {
    const plain = query.get(field);
    if (plain !== null) conditions.push((r) => r[field] !== null && text(field)(r) === plain.toLowerCase());
    for (const [op, test] of Object.entries(STRING_TESTS)) {
      const wanted = query.get(`${field}.${op}`);
      if (wanted !== null)
        conditions.push((r) => r[field] !== null && test(text(field)(r), wanted.toLowerCase()));
    }
  }
  if (query.has("comment.present")) conditions.push((r) => r.comment !== null);
  if (query.has("comment.absent")) conditions.push((r) => r.comment === null);

  const type = query.get("type");
  if (type !== null) {
    if (!(CLOUDFLARE_TYPES as readonly string[]).includes(type))
      throw cfErrors.invalidRecord(`Invalid type ${type}.`);
    conditions.push((r) => r.type === type);
  }
  const proxied = query.get("proxied");
  if (proxied !== null) {
    if (proxied !== "true" && proxied !== "false")
      throw cfErrors.invalidRecord(`Invalid proxied ${proxied}.`);
    conditions.push((r) => r.proxied === (proxied === "true"));
  }
  const search = query.get("search");
  if (search !== null) {
    const s = search.toLowerCase();
    conditions.push((r) => [r.name, r.content, r.comment ?? ""].some((v) => v.toLowerCase().includes(s)));
  }

  const tagConditions = tagFilters(query);
  if (tagConditions.length > 0) {
    const tagMatch = enumParam(query, "tag_match", ["all", "any"], "all");
    conditions.push(
      tagMatch === "all" ? (r) => tagConditions.every((c) => c(r)) : (r) => tagConditions.some((c) => c(r)),
    );
  }

  const match = enumParam(query, "match", ["all", "any"], "all");
  const selected =
    conditions.length === 0
      ? [...records]
      : records.filter((r) =>
          match === "all" ? conditions.every((c) => c(r)) : conditions.some((c) => c(r)),
        );

  const order = enumParam(query, "order", ORDER_FIELDS, "type");
  const direction = enumParam(query, "direction", ["asc", "desc"], "asc");
  const sign = direction === "asc" ? 1 : -1;
  // Ties fall back to name, then type, then creation order (Array.prototype.sort is stable), so a
  // paged listing never repeats or skips a record.
  return selected.sort(
    (a, b) => sign * compareBy(order, a, b) || compareBy("name", a, b) || compareBy("type", a, b),
  );
}

function compareBy(field: (typeof ORDER_FIELDS)[number], a: RecordFields, b: RecordFields): number {
  const x = a[field];
  const y = b[field];
  if (typeof x === "number" && typeof y === "number") return x - y;
  if (typeof x === "boolean" && typeof y === "boolean") return Number(x) - Number(y);
  return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
}

function tagFilters(query: URLSearchParams): Condition[] {
  const out: Condition[] = [];
  const tagsOf = (r: RecordFields) =>
    r.tags.map((t) => {
      const i = t.indexOf(":");
      return i < 0
        ? { name: t.toLowerCase(), value: "" }
        : { name: t.slice(0, i).toLowerCase(), value: t.slice(i + 1).toLowerCase() };
    });
  const split = (spec: string) => {
    const i = spec.indexOf(":");
    return i < 0
      ? { name: spec.toLowerCase(), value: undefined }
      : { name: spec.slice(0, i).toLowerCase(), value: spec.slice(i + 1).toLowerCase() };
  };
  // `tag=important` is `tag.present=important`; `tag=team:DNS` is `tag.exact=team:DNS` (the schema).
  for (const spec of query.getAll("tag")) {
    const { name, value } = split(spec);
    out.push((r) => tagsOf(r).some((t) => t.name === name && (value === undefined || t.value === value)));
  }
  for (const spec of query.getAll("tag.present"))
    out.push((r) => tagsOf(r).some((t) => t.name === spec.toLowerCase()));
  for (const spec of query.getAll("tag.absent"))
    out.push((r) => !tagsOf(r).some((t) => t.name === spec.toLowerCase()));
  for (const [op, test] of Object.entries(STRING_TESTS)) {
    for (const spec of query.getAll(`tag.${op}`)) {
      const { name, value } = split(spec);
      out.push((r) => tagsOf(r).some((t) => t.name === name && test(t.value, value ?? "")));
    }
  }
  return out;
}

function enumParam<T extends string>(
  query: URLSearchParams,
  key: string,
  allowed: readonly T[],
  fallback: T,
): T {
  // Cloudflare's own guide writes `direction=ASC`, its schema `asc`: both are taken.
  const value = query.get(key)?.toLowerCase() ?? null;
  if (value === null) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw cfErrors.invalidRecord(`Invalid ${key} ${value}.`);
  return value as T;
}

function positiveInt(query: URLSearchParams, key: string): number | undefined {
  const value = query.get(key);
  if (value === null) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw cfErrors.invalidRecord(`Invalid ${key} ${value}.`);
  return Number(value);
}
