import { createHash, randomBytes } from "crypto";

/** Cloudflare identifiers (zones, records, tokens) are 32 lower-case hex digits. */
export const ID_RE = /^[0-9a-f]{32}$/;

/** A fresh random identifier. */
export function newId(): string {
  return randomBytes(16).toString("hex");
}

/**
 * A stable identifier derived from `seed` (a zone name, a token value): the same seed gives the
 * same id across restarts, so a persisted state file and a stack's `zoneId` keep matching.
 */
export function idFrom(seed: string): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, 32);
}
