import * as fs from "node:fs";
import * as path from "node:path";
import { sha256Hex } from "./digest";
import type { HostConnectionState } from "./host-connection";
import { runRemoteRead } from "./read-batch";
import { shellQuote } from "./shell";

/*
 * Both sides of a drifted file's content for `npm run drift`'s line diffs, kept out of state
 * and logs (docs/decisions/0112). `npm run drift` names a private directory in
 * `HEMMA_DRIFT_CAPTURE_DIR` for one read-only run: the program writes there the declared content
 * of every host file whose content is not a secret, before it registers the resource; the
 * dynamic provider, when its diff finds such a file's live content changed, reads the live file
 * over the same pooled SSH connection and writes it next to it. A secret content is never
 * written, so its live side is never read either. The script prints the diffs and removes the
 * directory.
 */

/** Environment variable naming the capture directory; set only by the drift run. */
export const DRIFT_CAPTURE_ENV = "HEMMA_DRIFT_CAPTURE_DIR";

/** File name stem of one host file in the capture directory. */
export function captureStem(host: string, port: number, filePath: string): string {
  return sha256Hex(`${host}:${port}:${filePath}`).slice(0, 32);
}

/**
 * Records the declared content of a non-secret host file, when a drift run asked for it
 * (`HEMMA_DRIFT_CAPTURE_DIR` set and an existing directory). Called by the resource classes
 * while their inputs resolve, so the file exists before the engine diffs the resource.
 */
export function captureDeclared(
  host: string,
  port: number,
  filePath: string,
  content: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const dir = env[DRIFT_CAPTURE_ENV];
  if (dir === undefined || dir === "" || !fs.existsSync(dir)) return;
  fs.writeFileSync(path.join(dir, `${captureStem(host, port, filePath)}.declared`), content, { mode: 0o600 });
}

/**
 * In a drift run, records which fields the provider's diff found changed for the host file
 * `filePath` (`content`, `mode`, ...): the engine's events show a secret content's digest only
 * as `[secret]`, so without this a drifted secret file could not be named.
 */
export function captureFields(conn: HostConnectionState, filePath: string, fields: readonly string[]): void {
  const dir = process.env[DRIFT_CAPTURE_ENV];
  if (dir === undefined || dir === "" || fields.length === 0 || !fs.existsSync(dir)) return;
  fs.writeFileSync(
    path.join(dir, `${captureStem(conn.host, conn.port, filePath)}.fields`),
    JSON.stringify(fields),
    { mode: 0o600 },
  );
}

/**
 * In a drift run, reads the live content of `filePath` (read only, batched with the other reads)
 * and writes it next to its declared side, only when the program recorded that side: a secret
 * file's live content is never fetched. Never fails the diff: a file that cannot be read just
 * gets no line diff.
 */
export async function captureLive(conn: HostConnectionState, filePath: string): Promise<void> {
  const dir = process.env[DRIFT_CAPTURE_ENV];
  if (dir === undefined || dir === "") return;
  const stem = captureStem(conn.host, conn.port, filePath);
  if (!fs.existsSync(path.join(dir, `${stem}.declared`))) return;
  try {
    const p = shellQuote(filePath);
    const r = await runRemoteRead(conn, `if [ -f ${p} ]; then cat -- ${p}; else exit 3; fi\n`);
    if (r.code === 0) fs.writeFileSync(path.join(dir, `${stem}.live`), r.stdout, { mode: 0o600 });
  } catch {
    // No live side: the report says the content differs without lines.
  }
}
