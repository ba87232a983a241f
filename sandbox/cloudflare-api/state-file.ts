import * as fs from "fs";
import * as path from "path";
import type { StoredRecord } from "./record";
import type { ZoneSnapshot } from "./store";

/** What a state file holds: every zone's records by zone id. */
export interface StateFile {
  /** Format version. */
  readonly version: 1;
  /** Zones by id. */
  readonly zones: Readonly<Record<string, ZoneSnapshot>>;
}

/**
 * Reads a state file; a missing file is an empty state (the first start). A zone whose id is in
 * the file under another name is refused: the file belongs to a different setup.
 *
 * @returns the records of each configured zone, and the file's other zones (kept on save)
 * @throws Error with the file name when it is unreadable, not a state file, or names a zone differently
 */
export function readStateFile(
  file: string,
  zones: readonly { id: string; name: string }[],
): { records: Record<string, StoredRecord[]>; others: Record<string, ZoneSnapshot> } {
  if (!fs.existsSync(file)) return { records: {}, others: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`state file ${file} is not readable JSON: ${(err as Error).message}`);
  }
  const state = parsed as Partial<StateFile>;
  if (state?.version !== 1 || typeof state.zones !== "object" || state.zones === null)
    throw new Error(`state file ${file} is not a version 1 Cloudflare API state file`);
  const records: Record<string, StoredRecord[]> = {};
  const others: Record<string, ZoneSnapshot> = { ...state.zones };
  for (const zone of zones) {
    const saved = state.zones[zone.id];
    if (saved === undefined) continue;
    if (saved.name !== zone.name.toLowerCase())
      throw new Error(`state file ${file} has zone ${zone.id} as ${saved.name}, not ${zone.name}`);
    records[zone.id] = [...saved.records];
    delete others[zone.id];
  }
  return { records, others };
}

/**
 * Writes the state atomically (a temporary file renamed over the old one), so a crash mid-write
 * never leaves a truncated file behind.
 */
export function writeStateFile(
  file: string,
  zones: Readonly<Record<string, ZoneSnapshot>>,
  others: Readonly<Record<string, ZoneSnapshot>>,
): void {
  const state: StateFile = { version: 1, zones: { ...others, ...zones } };
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
