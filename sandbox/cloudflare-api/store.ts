import { cfErrors } from "./errors";
import { newId } from "./ids";
import type { StoredRecord } from "./record";
import type { RecordFields } from "./validation";

/** A zone the server serves. */
export interface Zone {
  /** 32 hex digits. */
  readonly id: string;
  /** Lower-case zone name, e.g. `hemma.test`. */
  readonly name: string;
  /** RFC 3339 time the server first saw the zone. */
  readonly createdOn: string;
}

/** Records of one zone, as persisted. */
export interface ZoneSnapshot {
  /** Zone name, so a state file cannot be loaded into a different zone by mistake. */
  readonly name: string;
  /** The zone's records, in creation order. */
  readonly records: readonly StoredRecord[];
}

/** Options of {@link RecordStore}. */
export interface RecordStoreOptions {
  /** Records to start with, by zone id (from a state file). Default none. */
  readonly initial?: Readonly<Record<string, readonly StoredRecord[]>>;
  /** Clock for timestamps. Default the system clock. */
  readonly now?: () => Date;
  /** Called after every change (the server persists the state file from here). */
  readonly onChange?: () => void;
}

/**
 * The zones and their DNS records, with Cloudflare's rules for which records may coexist.
 * Methods throw {@link CloudflareApiError}s, so the routes can pass them straight to the client.
 */
export class RecordStore {
  private readonly zonesById = new Map<string, Zone>();
  private readonly recordsByZone = new Map<string, Map<string, StoredRecord>>();
  private readonly now: () => Date;
  private readonly onChange: () => void;

  constructor(zones: readonly { id: string; name: string }[], opts: RecordStoreOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.onChange = opts.onChange ?? (() => undefined);
    const created = this.timestamp();
    for (const z of zones) {
      if (this.zonesById.has(z.id)) throw new Error(`zone id ${z.id} is configured twice`);
      this.zonesById.set(z.id, { id: z.id, name: z.name.toLowerCase(), createdOn: created });
      const records = new Map<string, StoredRecord>();
      for (const r of opts.initial?.[z.id] ?? []) records.set(r.id, { ...r, zoneId: z.id });
      this.recordsByZone.set(z.id, records);
    }
  }

  /** The zone with this id, or undefined. */
  zone(id: string): Zone | undefined {
    return this.zonesById.get(id);
  }

  /** All zones, in configuration order. */
  zones(): Zone[] {
    return [...this.zonesById.values()];
  }

  /** The zone's records in creation order. @throws Error for an unknown zone (a caller bug). */
  records(zoneId: string): StoredRecord[] {
    return [...this.zoneRecords(zoneId).values()];
  }

  /** One record. @throws CloudflareApiError 81044 when the zone has no such record. */
  get(zoneId: string, recordId: string): StoredRecord {
    const record = this.zoneRecords(zoneId).get(recordId);
    if (record === undefined) throw cfErrors.recordNotFound();
    return record;
  }

  /**
   * Adds a record. `id` is for tests that plant a record with a known id ("made in the dashboard").
   * @throws CloudflareApiError 81058 / 81053 / 81054 when it may not coexist with another record
   */
  create(zoneId: string, fields: RecordFields, id: string = newId()): StoredRecord {
    const records = this.zoneRecords(zoneId);
    if (records.has(id)) throw new Error(`record id ${id} exists already`);
    checkCoexistence([...records.values()], fields);
    const now = this.timestamp();
    const record: StoredRecord = {
      ...fields,
      id,
      zoneId,
      createdOn: now,
      modifiedOn: now,
      commentModifiedOn: fields.comment !== null ? now : null,
      tagsModifiedOn: fields.tags.length > 0 ? now : null,
    };
    records.set(id, record);
    this.onChange();
    return record;
  }

  /**
   * Replaces a record's fields (PUT and PATCH both end here, with the merged fields).
   * @throws CloudflareApiError 81044 for an unknown record, or a coexistence error
   */
  replace(zoneId: string, recordId: string, fields: RecordFields): StoredRecord {
    const records = this.zoneRecords(zoneId);
    const old = this.get(zoneId, recordId);
    checkCoexistence(
      [...records.values()].filter((r) => r.id !== recordId),
      fields,
    );
    const now = this.timestamp();
    const tagsChanged = old.tags.join("\n") !== fields.tags.join("\n");
    const record: StoredRecord = {
      ...fields,
      id: old.id,
      zoneId,
      createdOn: old.createdOn,
      modifiedOn: now,
      commentModifiedOn:
        fields.comment === null ? null : fields.comment !== old.comment ? now : old.commentModifiedOn,
      tagsModifiedOn: fields.tags.length === 0 ? null : tagsChanged ? now : old.tagsModifiedOn,
    };
    records.set(recordId, record);
    this.onChange();
    return record;
  }

  /** Deletes a record. @throws CloudflareApiError 81044 for an unknown record */
  delete(zoneId: string, recordId: string): void {
    this.get(zoneId, recordId);
    this.zoneRecords(zoneId).delete(recordId);
    this.onChange();
  }

  /** Every zone's records, keyed by zone id, for the state file. */
  snapshot(): Record<string, ZoneSnapshot> {
    const out: Record<string, ZoneSnapshot> = {};
    for (const zone of this.zonesById.values())
      out[zone.id] = { name: zone.name, records: this.records(zone.id) };
    return out;
  }

  private zoneRecords(zoneId: string): Map<string, StoredRecord> {
    const records = this.recordsByZone.get(zoneId);
    if (records === undefined) throw new Error(`RecordStore: unknown zone ${zoneId}`);
    return records;
  }

  private timestamp(): string {
    return this.now().toISOString();
  }
}

/**
 * Cloudflare's coexistence rules ("Records with the same name" troubleshooting page): no two
 * records with the same type, name and content; a CNAME shares its name with no A, AAAA or CNAME;
 * an A or AAAA shares its name with no CNAME. Several A/AAAA records of one name are fine
 * (round-robin), and so are TXT records next to anything.
 */
export function checkCoexistence(others: readonly RecordFields[], fields: RecordFields): void {
  const sameName = others.filter((r) => r.name === fields.name);
  if (
    sameName.some((r) => r.type === fields.type && r.content.toLowerCase() === fields.content.toLowerCase())
  )
    throw cfErrors.identicalRecord();
  if (fields.type === "CNAME" && sameName.some((r) => ["A", "AAAA", "CNAME"].includes(r.type)))
    throw cfErrors.hostTaken();
  if ((fields.type === "A" || fields.type === "AAAA") && sameName.some((r) => r.type === "CNAME"))
    throw cfErrors.cnameTaken();
}
