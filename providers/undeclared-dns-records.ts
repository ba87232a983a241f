import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import { isUnknown } from "./values";

/** Cloudflare's own API, where the provider and this resource go unless told otherwise. */
export const CLOUDFLARE_API_BASE_URL = "https://api.cloudflare.com/client/v4";

/** One record of the zone as this resource keeps it. */
export interface ZoneRecord {
  /** Cloudflare's record id. */
  id: string;
  /** Record type (`A`, `CNAME`, `MX`, ...). */
  type: string;
  /** Full name. */
  name: string;
  /** Address, target or text. */
  content: string;
}

/**
 * Records in a zone that the program does not declare, reported and left alone
 * (docs/decisions/0095): a refresh that finds one the last `up` did not see shows as a change of
 * `undeclared`, so `npm run drift` reports it; `up` only writes it down under `known` and never
 * touches the zone.
 */
export interface UndeclaredDnsRecordsArgs {
  /** Base URL of the Cloudflare API. Default {@link CLOUDFLARE_API_BASE_URL}. */
  apiBaseUrl?: string;
  /** A token that may list the zone's records (secret; stays encrypted in state). */
  apiToken: pulumi.Input<string>;
  /** The zone's id (32 hex digits). */
  zoneId: string;
  /** Ids of the records the program manages in the zone (the record resources' `id`s). */
  declaredIds: pulumi.Input<pulumi.Input<string>[]>;
}

interface Inputs {
  apiBaseUrl: string;
  apiToken: string;
  zoneId: string;
  declaredIds: string[];
  /** Always `[]`: the wanted state, compared with the records a refresh found that nobody has seen. */
  undeclared: ZoneRecord[];
}

/** State: the inputs, with `undeclared` as found by the last read, and the records the last `up` saw. */
export interface UndeclaredDnsRecordsOutputs extends Inputs {
  /** Undeclared records the last create or update found and left in place. */
  known: ZoneRecord[];
}

/** Sorts records by name, type, content and id, so equal sets compare equal. */
export function sortRecords(records: readonly ZoneRecord[]): ZoneRecord[] {
  const key = (r: ZoneRecord): string => `${r.name}\u0000${r.type}\u0000${r.content}\u0000${r.id}`;
  return [...records].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The records of `live` whose id is not in `excluded`, sorted. */
export function recordsExcept(live: readonly ZoneRecord[], excluded: Iterable<string>): ZoneRecord[] {
  const skip = new Set(excluded);
  return sortRecords(live.filter((r) => !skip.has(r.id)));
}

/** The base URL without a trailing `/`, so paths join with one. */
export function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * Every record of the zone, page by page, through `GET zones/:id/dns_records`. The token goes in
 * the `Authorization` header only; an error names the URL and Cloudflare's error codes, never it.
 */
export async function listZoneRecords(
  apiBaseUrl: string,
  apiToken: string,
  zoneId: string,
): Promise<ZoneRecord[]> {
  const records: ZoneRecord[] = [];
  for (let page = 1; ; page++) {
    const url = `${trimBaseUrl(apiBaseUrl)}/zones/${zoneId}/dns_records?per_page=1000&page=${page}`;
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { Authorization: `Bearer ${apiToken}`, Accept: "application/json" },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new Error(`Cloudflare API: GET ${url} failed: ${(err as Error).message}`);
    }
    const body = (await res.json().catch(() => undefined)) as
      | {
          success?: boolean;
          errors?: { code?: number; message?: string }[];
          result?: { id: string; type: string; name: string; content: string }[];
          result_info?: { page?: number; total_pages?: number };
        }
      | undefined;
    if (!res.ok || body?.success !== true || !Array.isArray(body.result)) {
      const errors = (body?.errors ?? []).map((e) => `${e.code ?? "?"} ${e.message ?? ""}`.trim()).join("; ");
      throw new Error(`Cloudflare API: GET ${url} answered ${res.status}${errors ? `: ${errors}` : ""}`);
    }
    for (const r of body.result) records.push({ id: r.id, type: r.type, name: r.name, content: r.content });
    if (page >= (body.result_info?.total_pages ?? 1)) return records;
  }
}

/** Ids the program declares, plus the ones it declared before this update (records it is about to delete). */
function ownIds(...lists: (readonly string[] | undefined)[]): string[] {
  return lists.flatMap((l) => l ?? []);
}

async function seen(inputs: Inputs, previousIds?: readonly string[]): Promise<UndeclaredDnsRecordsOutputs> {
  const live = await listZoneRecords(inputs.apiBaseUrl, inputs.apiToken, inputs.zoneId);
  // A record the program stops declaring is deleted only at the end of the update, after this
  // step: counting it as undeclared here would report it once it is gone.
  return { ...inputs, undeclared: [], known: recordsExcept(live, ownIds(inputs.declaredIds, previousIds)) };
}

/** The dynamic provider; holds no secrets and no module state (serialized into state). */
export const undeclaredDnsRecordsProvider: pulumi.dynamic.ResourceProvider<
  Inputs,
  UndeclaredDnsRecordsOutputs
> = {
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (!isUnknown(news.zoneId) && !/^[0-9a-f]{32}$/.test(String(news.zoneId)))
      failures.push({ property: "zoneId", reason: "the zone id is 32 lower-case hex digits" });
    if (!isUnknown(news.apiBaseUrl) && !/^https?:\/\/[^\s?#]+$/.test(String(news.apiBaseUrl)))
      failures.push({ property: "apiBaseUrl", reason: "an http(s) URL without query or fragment" });
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const settings = (x: Inputs): string =>
      JSON.stringify([x.apiBaseUrl, x.apiToken, x.zoneId, [...(x.declaredIds ?? [])].sort()]);
    const changed = (olds.undeclared ?? []).length > 0 || settings(olds) !== settings(news);
    return {
      changes: changed,
      replaces: olds.zoneId !== news.zoneId ? ["zoneId"] : [],
      deleteBeforeReplace: false,
    };
  },

  async create(news) {
    return { id: `${news.zoneId}:undeclared-records`, outs: await seen(news) };
  },

  async read(id, props) {
    if (props === undefined || props.zoneId === undefined)
      throw new Error(`UndeclaredDnsRecords ${id}: no prior state (dynamic resources cannot be imported)`);
    const live = await listZoneRecords(props.apiBaseUrl, props.apiToken, props.zoneId);
    const liveIds = new Set(live.map((r) => r.id));
    const known = (props.known ?? []).filter((r) => liveIds.has(r.id));
    const undeclared = recordsExcept(live, [...props.declaredIds, ...known.map((r) => r.id)]);
    return { id, props: { ...props, known, undeclared } };
  },

  async update(_id, olds, news) {
    return { outs: await seen(news, olds.declaredIds) };
  },

  async delete() {
    // Nothing in the zone belongs to this resource.
  },
};

/** The provider of UndeclaredDnsRecords resources, with their type token `pulumi-nodejs:dynamic/dns:UndeclaredDnsRecords`. */
export const UNDECLARED_DNS_RECORDS_TYPE = dynamicProviderType(
  "dns",
  "UndeclaredDnsRecords",
  undeclaredDnsRecordsProvider,
);

/** The zone's undeclared records (type `pulumi-nodejs:dynamic/dns:UndeclaredDnsRecords`). */
export class UndeclaredDnsRecords extends DynamicResource {
  /** Undeclared records found by the last refresh that the last `up` had not seen (empty once up ran). */
  declare readonly undeclared: pulumi.Output<ZoneRecord[]>;
  /** Undeclared records the last `up` found and left in place. */
  declare readonly known: pulumi.Output<ZoneRecord[]>;

  constructor(name: string, args: UndeclaredDnsRecordsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      UNDECLARED_DNS_RECORDS_TYPE,
      name,
      {
        apiBaseUrl: args.apiBaseUrl ?? CLOUDFLARE_API_BASE_URL,
        apiToken: pulumi.secret(args.apiToken),
        zoneId: args.zoneId,
        declaredIds: args.declaredIds,
        undeclared: [],
        known: undefined,
      },
      { ...opts, additionalSecretOutputs: ["apiToken"] },
    );
  }
}
