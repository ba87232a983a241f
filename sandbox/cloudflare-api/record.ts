import { PROXIABLE_TYPES, type RecordFields } from "./validation";

/** A record as the store keeps it (and as the state file persists it). */
export interface StoredRecord extends RecordFields {
  /** 32 hex digits. */
  readonly id: string;
  /** Zone the record lies in. */
  readonly zoneId: string;
  /** RFC 3339 creation time. */
  readonly createdOn: string;
  /** RFC 3339 time of the last change. */
  readonly modifiedOn: string;
  /** RFC 3339 time the comment last changed; null without a comment. */
  readonly commentModifiedOn: string | null;
  /** RFC 3339 time the tags last changed; null without tags. */
  readonly tagsModifiedOn: string | null;
}

/**
 * The record as Cloudflare's API returns it (cloudflare-go v6 `RecordResponse`):
 * `comment_modified_on` and `tags_modified_on` are omitted when there is no comment or no tags.
 * `zone_id` and `zone_name` are the fields Cloudflare returned until it deprecated them; clients
 * that still read them (older ddclient forks, scripts) find them here.
 */
export function toApiRecord(record: StoredRecord, zoneName: string): Record<string, unknown> {
  return {
    id: record.id,
    zone_id: record.zoneId,
    zone_name: zoneName,
    name: record.name,
    type: record.type,
    content: record.content,
    proxiable: PROXIABLE_TYPES.includes(record.type),
    proxied: record.proxied,
    ttl: record.ttl,
    settings: { ...record.settings },
    meta: {},
    comment: record.comment,
    tags: [...record.tags],
    created_on: record.createdOn,
    modified_on: record.modifiedOn,
    ...(record.commentModifiedOn !== null ? { comment_modified_on: record.commentModifiedOn } : {}),
    ...(record.tagsModifiedOn !== null ? { tags_modified_on: record.tagsModifiedOn } : {}),
  };
}
