/**
 * What an `up` moved out of the way on the host: each host resource reports, in its `backups`
 * output, the undeclared files it copied to the backup tree and removed (`<path> -> <copy>`).
 * `npm run up` prints them, so the operator learns where a hand-made file went. Pure.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

/** One `moved <path> to <copy> (<resource>)` line per file the update steps of `events` moved, in event order. */
export function movedFiles(events: readonly EngineEvent[]): string[] {
  const lines: string[] = [];
  for (const e of events) {
    const m = e.resOutputsEvent?.metadata;
    if (m === undefined || (m.op !== "update" && m.op !== "create")) continue;
    const backups = (m.new?.outputs as Record<string, unknown> | undefined)?.backups;
    if (!Array.isArray(backups)) continue;
    const name = m.urn.slice(m.urn.lastIndexOf("::") + 2);
    for (const b of backups) {
      const [from, to] = String(b).split(" -> ");
      lines.push(`moved ${from} to ${to} (not declared; found by ${name})`);
    }
  }
  return lines;
}
