import type { HostConnectionState } from "./host-connection";
import { sha256Hex } from "./digest";
import { shellQuote } from "./shell";
import type { RemoteResult } from "./ssh-pool";
import { remoteFailure, runRemote } from "./ssh-pool";

/*
 * Read-only remote scripts of one host, run together: the engine refreshes resources a few at
 * a time, each refresh a small read; one `sudo bash` per read costs more than the read itself.
 * Scripts that arrive while the host is busy with the previous batch (or in the same tick) go
 * out as one remote run, and each caller gets its own exit code, stdout and stderr back.
 *
 * Only for scripts that change nothing on the host: one batch runs them one after the other,
 * so a failing or slow one delays the others of its batch. The queue lives on `globalThis`, like
 * the pool, since this module is serialized into the providers (docs/decisions/0020, 0110).
 */

/** One script waiting for a batch. */
interface Pending {
  script: string;
  resolve: (r: RemoteResult) => void;
  reject: (e: Error) => void;
}

/** The queue of one host: scripts waiting, and whether a batch is on its way. */
interface HostQueue {
  pending: Pending[];
  running: boolean;
  scheduled: boolean;
}

/** Most scripts in one batch; more wait for the next (a huge batch would only delay the first answers). */
export const MAX_BATCH = 200;

/**
 * The bash script running `scripts` in order, each in a subshell with stdin from /dev/null and
 * its stdout and stderr captured, then printing per script one header line
 * `hemma-batch <index> <exit code> <stdout bytes> <stderr bytes>` followed by those bytes. The
 * whole stream goes out base64-encoded: byte counts must survive output that is not UTF-8.
 */
export function batchScript(scripts: readonly string[]): string {
  const lines = ["set -u", "w=$(mktemp -d) || exit 1", "trap 'rm -rf -- \"$w\"' EXIT", "{"];
  scripts.forEach((s, i) => {
    lines.push(
      `  rc=0; ( eval ${shellQuote(s)} ) </dev/null >"$w/o" 2>"$w/e" || rc=$?`,
      `  printf 'hemma-batch ${i} %s %s %s\\n' "$rc" "$(stat -c %s -- "$w/o")" "$(stat -c %s -- "$w/e")"`,
      '  cat -- "$w/o" "$w/e"',
    );
  });
  lines.push('} > "$w/all"', 'base64 -w0 -- "$w/all"', "");
  return lines.join("\n");
}

/** Splits {@link batchScript} output into one result per script; throws when it is cut short. */
export function parseBatchOutput(stdout: string, count: number): RemoteResult[] {
  const bytes = Buffer.from(stdout.trim(), "base64");
  const results: RemoteResult[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const eol = bytes.indexOf(0x0a, at);
    const header = eol < 0 ? "" : bytes.subarray(at, eol).toString("utf8");
    const m = /^hemma-batch (\d+) (\d+) (\d+) (\d+)$/.exec(header);
    if (m === null || Number(m[1]) !== i) {
      throw new Error(`batched read: output of script ${i} of ${count} is missing`);
    }
    const outLen = Number(m[3]);
    const errLen = Number(m[4]);
    const start = eol + 1;
    if (start + outLen + errLen > bytes.length) {
      throw new Error(`batched read: output of script ${i} of ${count} is cut short`);
    }
    results.push({
      code: Number(m[2]),
      stdout: bytes.subarray(start, start + outLen).toString("utf8"),
      stderr: bytes.subarray(start + outLen, start + outLen + errLen).toString("utf8"),
    });
    at = start + outLen + errLen;
  }
  return results;
}

function hostQueue(conn: HostConnectionState): HostQueue {
  const slot = globalThis as unknown as Record<symbol, Map<string, HostQueue> | undefined>;
  const key = Symbol.for("hemma.ssh.readBatches");
  let queues = slot[key];
  if (queues === undefined) {
    queues = new Map();
    slot[key] = queues;
  }
  // The pool's identity: reads under other credentials never share a batch.
  const id = `${conn.user}@${conn.host}:${conn.port}#${sha256Hex(`${conn.hostKey}\n${conn.privateKey}`).slice(0, 16)}`;
  let q = queues.get(id);
  if (q === undefined) {
    q = { pending: [], running: false, scheduled: false };
    queues.set(id, q);
  }
  return q;
}

async function flush(conn: HostConnectionState, q: HostQueue): Promise<void> {
  q.scheduled = false;
  if (q.running || q.pending.length === 0) return;
  const batch = q.pending.splice(0, MAX_BATCH);
  q.running = true;
  try {
    const label = batch.length === 1 ? "read" : `read (${batch.length} batched)`;
    if (batch.length === 1) {
      batch[0]!.resolve(await runRemote(conn, label, batch[0]!.script));
    } else {
      const result = await runRemote(conn, label, batchScript(batch.map((p) => p.script)));
      if (result.code !== 0) {
        throw new Error(
          `${label} on ${conn.host}:${conn.port} failed (exit ${result.code ?? "signal"}): ${result.stderr.trim()}`,
        );
      }
      const parsed = parseBatchOutput(result.stdout, batch.length);
      batch.forEach((p, i) => p.resolve(parsed[i]!));
    }
  } catch (e) {
    for (const p of batch) p.reject(e as Error);
  } finally {
    q.running = false;
    if (q.pending.length > 0) void flush(conn, q);
  }
}

/**
 * Runs a read-only `script` like `runRemote` does, batched with the other reads of the same host
 * that arrive in the same tick or while a batch is running.
 */
export function runRemoteRead(conn: HostConnectionState, script: string): Promise<RemoteResult> {
  const q = hostQueue(conn);
  return new Promise<RemoteResult>((resolve, reject) => {
    q.pending.push({ script, resolve, reject });
    if (!q.running && !q.scheduled) {
      q.scheduled = true;
      // The engine sends its reads within a moment of each other: collect that burst.
      setTimeout(() => void flush(conn, q), 2);
    }
  });
}

/** {@link runRemoteRead}, then fail unless the script exited 0 (the error names `label`, the host and stderr). */
export async function runRemoteReadChecked(
  conn: HostConnectionState,
  label: string,
  script: string,
): Promise<RemoteResult> {
  const result = await runRemoteRead(conn, script);
  if (result.code !== 0) throw remoteFailure(conn, label, result);
  return result;
}
