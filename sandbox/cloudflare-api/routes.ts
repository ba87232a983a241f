import type { IncomingHttpHeaders } from "http";
import { authenticate, type ApiKeyConfig, type Principal, type TokenConfig } from "./auth";
import { failure, ok, type Envelope } from "./envelope";
import { CloudflareApiError, cfErrors } from "./errors";
import { ID_RE, idFrom } from "./ids";
import { paginate, RECORD_PAGE_LIMITS, selectRecords, ZONE_PAGE_LIMITS } from "./list-query";
import { toApiRecord } from "./record";
import type { RecordStore, Zone } from "./store";
import { validateRecordBody } from "./validation";

/** Marks a request body that was sent but is not JSON. */
export const UNPARSABLE_BODY = Symbol("unparsable body");

/** A request, already read and parsed by the server. */
export interface ApiRequest {
  /** HTTP method, upper case. */
  readonly method: string;
  /** Path without query, with or without the `/client/v4` prefix. */
  readonly path: string;
  /** Query parameters. */
  readonly query: URLSearchParams;
  /** Request headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when none was sent. */
  readonly body: unknown;
}

/** What to send back. */
export interface ApiResponse {
  /** HTTP status. */
  readonly status: number;
  /** The v4 envelope. */
  readonly body: Envelope;
  /** Who called (token id or key e-mail), when the credential checked out. */
  readonly caller?: string;
}

/** What the routes work on. */
export interface ApiContext {
  /** Zones and records. */
  readonly store: RecordStore;
  /** Accepted tokens. */
  readonly tokens: readonly TokenConfig[];
  /** Accepted legacy API keys. */
  readonly keys: readonly ApiKeyConfig[];
}

type Handler = (ctx: ApiContext, req: ApiRequest, principal: Principal, ids: string[]) => Envelope;
interface Route {
  /** Path segments; `:id` is a 32-hex identifier. */
  readonly pattern: readonly string[];
  readonly methods: Readonly<Record<string, Handler>>;
}

/** The account every zone belongs to (one account per server). */
const ACCOUNT = { id: idFrom("account:hemma-infra"), name: "hemma-infra local Cloudflare API" };

const ROUTES: readonly Route[] = [
  {
    pattern: ["user", "tokens", "verify"],
    methods: {
      GET: (_ctx, _req, principal) =>
        ok(
          { id: principal.label, status: "active" },
          { messages: [{ code: 10000, message: "This API Token is valid and active", type: null }] },
        ),
    },
  },
  { pattern: ["zones"], methods: { GET: listZones } },
  {
    pattern: ["zones", ":id"],
    methods: { GET: (ctx, _req, _p, [zoneId]) => ok(zoneJson(zoneOf(ctx, zoneId!))) },
  },
  { pattern: ["zones", ":id", "dns_records"], methods: { GET: listRecords, POST: createRecord } },
  {
    pattern: ["zones", ":id", "dns_records", ":id"],
    methods: {
      GET: (ctx, _req, _p, [zoneId, recordId]) => {
        const zone = zoneOf(ctx, zoneId!);
        return ok(toApiRecord(ctx.store.get(zone.id, recordId!), zone.name));
      },
      PUT: (ctx, req, _p, ids) => updateRecord(ctx, req, ids, "overwrite"),
      PATCH: (ctx, req, _p, ids) => updateRecord(ctx, req, ids, "patch"),
      DELETE: (ctx, _req, _p, [zoneId, recordId]) => {
        ctx.store.delete(zoneOf(ctx, zoneId!).id, recordId!);
        return ok({ id: recordId });
      },
    },
  },
];

/**
 * Answers one request: credential first (as Cloudflare names the auth scheme even in routing
 * errors), then the route, the identifiers' shape, the zone's scope, and the handler. Every
 * refusal is a 4xx envelope; nothing here answers 5xx.
 */
export function handle(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const segments = req.path
    .replace(/^\/client\/v4(?=\/|$)/, "")
    .split("/")
    .filter((s) => s !== "");
  let principal: Principal | undefined;
  try {
    const verify = segments.join("/") === "user/tokens/verify";
    principal = authenticate(req.headers, ctx, { verifyEndpoint: verify });
    const route = ROUTES.find((r) => matches(r.pattern, segments));
    if (route === undefined) throw cfErrors.noRoute();
    const handler = route.methods[req.method];
    if (handler === undefined) throw cfErrors.methodNotAllowed(req.method, principal.scheme);
    const ids = route.pattern.flatMap((p, i) => (p === ":id" ? [segments[i]!] : []));
    if (!ids.every((id) => ID_RE.test(id))) throw cfErrors.invalidIdentifier(req.path);
    // Out-of-scope and unknown zones get the same answer, as on Cloudflare.
    const zoneId = ids[0];
    if (zoneId !== undefined && (ctx.store.zone(zoneId) === undefined || !principal.zoneIds.has(zoneId)))
      throw cfErrors.notAuthorizedForZone();
    return { status: 200, body: handler(ctx, req, principal, ids), caller: principal.label };
  } catch (err) {
    const caller = principal?.label;
    if (err instanceof CloudflareApiError)
      return { status: err.status, body: failure(err.errors), ...(caller ? { caller } : {}) };
    throw err;
  }
}

function matches(pattern: readonly string[], segments: readonly string[]): boolean {
  return pattern.length === segments.length && pattern.every((p, i) => p === ":id" || p === segments[i]);
}

function zoneOf(ctx: ApiContext, zoneId: string): Zone {
  const zone = ctx.store.zone(zoneId);
  if (zone === undefined) throw cfErrors.notAuthorizedForZone();
  return zone;
}

function bodyOf(req: ApiRequest): unknown {
  if (req.body === UNPARSABLE_BODY || req.body === undefined) throw cfErrors.invalidBody();
  return req.body;
}

function createRecord(ctx: ApiContext, req: ApiRequest, _p: Principal, [zoneId]: string[]): Envelope {
  const zone = zoneOf(ctx, zoneId!);
  const fields = validateRecordBody(zone.name, bodyOf(req), "create");
  return ok(toApiRecord(ctx.store.create(zone.id, fields), zone.name));
}

function updateRecord(
  ctx: ApiContext,
  req: ApiRequest,
  [zoneId, recordId]: string[],
  mode: "overwrite" | "patch",
): Envelope {
  const zone = zoneOf(ctx, zoneId!);
  // An unknown record is reported before a bad body: the provider reads 404 as "gone".
  const existing = ctx.store.get(zone.id, recordId!);
  const fields = validateRecordBody(zone.name, bodyOf(req), mode, existing);
  return ok(toApiRecord(ctx.store.replace(zone.id, recordId!, fields), zone.name));
}

function listRecords(ctx: ApiContext, req: ApiRequest, _p: Principal, [zoneId]: string[]): Envelope {
  const zone = zoneOf(ctx, zoneId!);
  const selected = selectRecords(ctx.store.records(zone.id), req.query);
  const { page, info } = paginate(selected, req.query, RECORD_PAGE_LIMITS);
  return ok(
    page.map((r) => toApiRecord(r, zone.name)),
    { result_info: info },
  );
}

const NAME_OPS: Readonly<Record<string, (v: string, w: string) => boolean>> = {
  equal: (v, w) => v === w,
  not_equal: (v, w) => v !== w,
  contains: (v, w) => v.includes(w),
  starts_with: (v, w) => v.startsWith(w),
  ends_with: (v, w) => v.endsWith(w),
};

/**
 * `GET /zones`: the zones the credential reaches, filtered by `name` (exact by default, or
 * `contains:` / `starts_with:` / `ends_with:` / `not_equal:` as the zone list documents) and
 * `status`, combined by `match`, sorted by `order` (`name` or `status`) and `direction`.
 * ddclient finds its zone id here (`GET zones/?name=<zone>`).
 */
function listZones(ctx: ApiContext, req: ApiRequest, principal: Principal): Envelope {
  const q = req.query;
  const conditions: ((z: Zone) => boolean)[] = [];
  const name = q.get("name");
  if (name !== null) {
    const m = /^(equal|not_equal|contains|starts_with|ends_with):(.*)$/.exec(name);
    const [op, wanted] = m ? [m[1]!, m[2]!] : ["equal", name];
    conditions.push((z) => NAME_OPS[op]!(z.name, wanted.toLowerCase()));
  }
  const status = q.get("status");
  if (status !== null) conditions.push(() => status === "active");
  const match = (q.get("match") ?? "all").toLowerCase();
  if (match !== "all" && match !== "any") throw cfErrors.invalidRecord(`Invalid match ${match}.`);
  const order = q.get("order") ?? "name";
  if (order !== "name" && order !== "status") throw cfErrors.invalidRecord(`Invalid order ${order}.`);
  const direction = (q.get("direction") ?? "asc").toLowerCase();
  if (direction !== "asc" && direction !== "desc")
    throw cfErrors.invalidRecord(`Invalid direction ${direction}.`);

  const visible = ctx.store.zones().filter((z) => principal.zoneIds.has(z.id));
  const selected = visible
    .filter(
      (z) =>
        conditions.length === 0 ||
        (match === "all" ? conditions.every((c) => c(z)) : conditions.some((c) => c(z))),
    )
    .sort((a, b) => (direction === "asc" ? 1 : -1) * a.name.localeCompare(b.name));
  const { page, info } = paginate(selected, q, ZONE_PAGE_LIMITS);
  return ok(page.map(zoneJson), { result_info: info });
}

/** A zone as Cloudflare's zone endpoints return it (the fields a DNS client reads, and the common rest). */
function zoneJson(zone: Zone): Record<string, unknown> {
  return {
    id: zone.id,
    name: zone.name,
    status: "active",
    paused: false,
    type: "full",
    development_mode: 0,
    name_servers: [],
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    created_on: zone.createdOn,
    modified_on: zone.createdOn,
    activated_on: zone.createdOn,
    account: ACCOUNT,
    permissions: ["#dns_records:edit", "#dns_records:read", "#zone:read"],
  };
}
