import type { HostConnectionState } from "./host-connection";
import { sha256Hex } from "./digest";
import { shellQuote } from "./shell";
import type { RemoteResult } from "./ssh-pool";
import { hostChanges, remoteFailure, runRemote } from "./ssh-pool";

/*
 * Read-only remote scripts of one host, run together: the engine refreshes resources a few at
 * a time, each refresh a small read; one `sudo bash` per read costs more than the read itself.
 * Scripts that arrive while the host is busy with the previous batch (or in the same burst) go
 * out as one remote run, and each caller gets its own exit code, stdout and stderr back. The
 * state of plain files (what `readFileScript` prints) is read for the whole batch with one
 * `stat` and one `sha256sum`, so a refresh of many files costs a few processes on the host, not
 * a few per file.
 *
 * The engine sends a refresh's reads only a few at a time, so a batch holds at most that many.
 * A batch of file states therefore also reads ahead the state of every entry of their
 * directories (once per directory per READ_AHEAD_TTL_MS, none of more than
 * READ_AHEAD_MAX_ENTRIES entries), and the reads of those files that follow are answered from it:
 * each entry once, within that time, and only while no remote run of this process that is not a
 * read has started or ended on the host (`hostChanges`), so nothing this process wrote is read
 * from before the write.
 *
 * Only for scripts that change nothing on the host: one batch runs them one after the other,
 * so a failing or slow one delays the others of its batch. The queue lives on `globalThis`, like
 * the pool, since this module is serialized into the providers (docs/decisions/0020, 0110).
 */

/** One read waiting for a batch: a script, or the state of one file. */
interface Pending {
  script?: string;
  file?: string;
  resolve: (r: RemoteResult) => void;
  reject: (e: Error) => void;
}

/** The queue of one host: reads waiting, whether a batch is on its way, and the timer that sends the next. */
interface HostQueue {
  pending: Pending[];
  running: boolean;
  /** Set while reads wait for the batch they belong to; cleared when it goes out. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** When the oldest waiting read began to wait (ms since the epoch). */
  since: number;
  /**
   * Reads the next batch should hold: those waiting when the last batch was answered plus the
   * ones it answered (the engine sends a new read per answer).
   */
  expect: number;
  /** When the last batch was answered (ms since the epoch). */
  answeredAt: number;
  /** File states read ahead, by path: each answers one read, while fresh and unchanged by this process. */
  ahead: Map<string, { stdout: string; changes: number; at: number }>;
  /** When each directory was last read ahead (ms since the epoch). */
  aheadDirs: Map<string, number>;
}

/** How long a file state read ahead may answer a read (ms): the reads of one refresh come within it. */
export const READ_AHEAD_TTL_MS = 2000;

/** Directories with more entries than this are not read ahead. */
export const READ_AHEAD_MAX_ENTRIES = 256;

/** Regular files larger than this (bytes) are not read ahead (their read hashes them when asked). */
export const READ_AHEAD_MAX_BYTES = 1024 * 1024;

/** Most reads in one batch; more wait for the next (a huge batch would only delay the first answers). */
export const MAX_BATCH = 200;

/**
 * The bash script running `scripts` in order, each in a subshell with stdin from /dev/null and
 * its stdout and stderr captured, printing per script one header line
 * `hemma-batch <index> <exit code> <stdout bytes> <stderr bytes>` followed by those bytes; then
 * the state of each of `files` (normalized paths, as providers accept them): one
 * `S\t<path>\t<type>\t<mode>\t<owner>\t<group>` line per existing path and one
 * `<sha256>  <path>` line per regular file. The whole stream goes out base64-encoded: byte counts
 * must survive output that is not UTF-8.
 */
export function batchScript(
  scripts: readonly string[],
  files: readonly string[] = [],
  aheadDirs: readonly string[] = [],
): string {
  // Only scripts need the temp files (their byte counts); file states stream straight through,
  // two processes fewer on the host per batch of a refresh.
  const lines =
    scripts.length > 0
      ? ["set -u", "w=$(mktemp -d) || exit 1", "trap 'rm -rf -- \"$w\"' EXIT", "{"]
      : ["set -u", "{"];
  scripts.forEach((s, i) => {
    lines.push(
      `  rc=0; ( eval ${shellQuote(s)} ) </dev/null >"$w/o" 2>"$w/e" || rc=$?`,
      `  printf 'hemma-batch ${i} %s %s %s\\n' "$rc" "$(stat -c %s -- "$w/o")" "$(stat -c %s -- "$w/e")"`,
      '  cat -- "$w/o" "$w/e"',
    );
  });
  if (files.length > 0) {
    lines.push(
      `  ex=(); re=(); for p in ${files.map(shellQuote).join(" ")}; do`,
      '    if [ -e "$p" ] || [ -L "$p" ]; then ex+=("$p"); if [ -f "$p" ] && [ ! -L "$p" ]; then re+=("$p"); fi; fi',
      "  done",
      "  printf 'hemma-files\\n'",
      '  if [ "${#ex[@]}" -gt 0 ]; then stat --printf \'S\\t%n\\t%F\\t%a\\t%U\\t%u\\t%G\\t%g\\n\' -- "${ex[@]}"; fi',
      '  if [ "${#re[@]}" -gt 0 ]; then sha256sum -- "${re[@]}"; fi',
    );
  }
  if (aheadDirs.length > 0) {
    // NUL-terminated: an entry's name may hold any byte but NUL, and must not read as another's.
    lines.push(
      "  printf '\\nhemma-ahead\\n'",
      `  for d in ${aheadDirs.map(shellQuote).join(" ")}; do`,
      '    shopt -s nullglob dotglob; en=("$d"/*); shopt -u nullglob dotglob',
      `    if [ "\${#en[@]}" -gt 0 ] && [ "\${#en[@]}" -le ${READ_AHEAD_MAX_ENTRIES} ]; then`,
      "      stat --printf 'S\\t%n\\t%F\\t%a\\t%U\\t%u\\t%G\\t%g\\0' -- \"${en[@]}\"",
      `      find "$d" -mindepth 1 -maxdepth 1 -type f -size -${READ_AHEAD_MAX_BYTES / 1024 + 1}k -print0 | xargs -0 -r sha256sum -z --`,
      "    fi",
      "  done",
    );
  }
  lines.push(...(scripts.length > 0 ? ['} > "$w/all"', 'base64 -w0 -- "$w/all"'] : ["} | base64 -w0"]), "");
  return lines.join("\n");
}

/**
 * Splits {@link batchScript} output into one result per script, then one per file in the form
 * `readFileScript` prints (`exists=0`, or `exists=1`, type, mode, owner, uid, group, gid and a regular
 * file's digest); throws when the output is cut short.
 */
export function parseBatchOutput(
  stdout: string,
  count: number,
  files: readonly string[] = [],
): RemoteResult[] {
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
  if (files.length === 0) return results;
  const tail = bytes.subarray(at).toString("utf8");
  const aheadAt = tail.indexOf(AHEAD_MARK);
  const rest = (aheadAt < 0 ? tail : tail.slice(0, aheadAt)).split("\n");
  if (rest[0] !== "hemma-files") throw new Error("batched read: the file states are missing");
  const stat = new Map<string, string[]>();
  const digest = new Map<string, string>();
  for (const line of rest.slice(1)) {
    if (line.startsWith("S\t")) {
      const [, p, ...fields] = line.split("\t");
      stat.set(p!, fields);
    } else {
      const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
      if (m) digest.set(m[2]!, m[1]!);
    }
  }
  for (const f of files) {
    const st = stat.get(f);
    results.push({
      code: 0,
      stdout: st === undefined ? "exists=0\n" : fileStateText(st, digest.get(f)),
      stderr: "",
    });
  }
  return results;
}

/** Where the read-ahead section of {@link batchScript}'s output begins. */
const AHEAD_MARK = "\nhemma-ahead\n";

/** A file's state as `readFileScript` prints it, from `stat`'s fields (type, mode, owner, uid, group, gid). */
function fileStateText(st: readonly string[], digest: string | undefined): string {
  return `exists=1\ntype=${st[0]}\nmode=${st[1]}\nowner=${st[2]}\nuid=${st[3]}\ngroup=${st[4]}\ngid=${st[5]}\n${digest === undefined ? "" : `digest=${digest}\n`}`;
}

/**
 * The file states of {@link batchScript}'s read-ahead section, by path, each as `readFileScript`
 * prints it. A regular file without its digest (too large to read ahead) is left out.
 */
export function parseReadAhead(stdout: string): Map<string, string> {
  const text = Buffer.from(stdout.trim(), "base64").toString("utf8");
  const at = text.indexOf(AHEAD_MARK);
  const states = new Map<string, string>();
  if (at < 0) return states;
  const stat = new Map<string, string[]>();
  const digest = new Map<string, string>();
  for (const record of text.slice(at + AHEAD_MARK.length).split("\0")) {
    if (record.startsWith("S\t")) {
      const [, p, ...fields] = record.split("\t");
      if (fields.length === 6) stat.set(p!, fields);
    } else {
      const m = /^([0-9a-f]{64}) {2}([^]+)$/.exec(record);
      if (m) digest.set(m[2]!, m[1]!);
    }
  }
  for (const [p, st] of stat) {
    const d = digest.get(p);
    if (st[0] === "regular file" && d === undefined) continue;
    states.set(p, fileStateText(st, d));
  }
  return states;
}

/** The directory holding `path` (a normalized absolute path). */
function parentDir(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
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
    q = {
      pending: [],
      running: false,
      timer: undefined,
      since: 0,
      expect: 0,
      answeredAt: 0,
      ahead: new Map(),
      aheadDirs: new Map(),
    };
    queues.set(id, q);
  }
  return q;
}

async function flush(conn: HostConnectionState, q: HostQueue): Promise<void> {
  q.timer = undefined;
  if (q.running || q.pending.length === 0) return;
  const batch = q.pending.splice(0, MAX_BATCH);
  q.expect = 0;
  q.running = true;
  try {
    const scripts = batch.filter((p) => p.script !== undefined);
    const files = batch.filter((p) => p.file !== undefined);
    const label = batch.length === 1 ? "read" : `read (${batch.length} batched)`;
    if (scripts.length === 1 && files.length === 0) {
      scripts[0]!.resolve(await runRemote(conn, label, scripts[0]!.script!, undefined, { readOnly: true }));
    } else {
      const paths = files.map((p) => p.file!);
      const started = Date.now();
      const changes = hostChanges(conn);
      const dirs = [...new Set(paths.map(parentDir))].filter(
        (d) => started - (q.aheadDirs.get(d) ?? -Infinity) > READ_AHEAD_TTL_MS,
      );
      for (const d of dirs) q.aheadDirs.set(d, started);
      const result = await runRemote(
        conn,
        label,
        batchScript(
          scripts.map((p) => p.script!),
          paths,
          dirs,
        ),
        undefined,
        { readOnly: true },
      );
      if (result.code !== 0) {
        throw new Error(
          `${label} on ${conn.host}:${conn.port} failed (exit ${result.code ?? "signal"}): ${result.stderr.trim()}`,
        );
      }
      const parsed = parseBatchOutput(result.stdout, scripts.length, paths);
      [...scripts, ...files].forEach((p, i) => p.resolve(parsed[i]!));
      if (dirs.length > 0 && hostChanges(conn) === changes) {
        const asked = new Set(paths);
        for (const [p, stdout] of parseReadAhead(result.stdout))
          if (!asked.has(p)) q.ahead.set(p, { stdout, changes, at: started });
      }
    }
  } catch (e) {
    for (const p of batch) p.reject(e as Error);
  } finally {
    q.running = false;
    q.expect = Math.min(MAX_BATCH, batch.length + q.pending.length);
    q.answeredAt = Date.now();
    // Not at once: the engine answers each read by sending the next, so the next burst is still arriving.
    if (q.pending.length > 0) collect(conn, q);
  }
}

/**
 * Before the first batch of a host, a burst of reads ends when none has come for this long (the
 * engine sends its first reads within a moment of each other).
 */
export const BURST_QUIET_MS = 5;

/**
 * The longest a read waits for the batch it belongs to. The engine keeps a few reads in flight
 * (its default parallelism is 4 per CPU) and sends the next one as each answer arrives, so once a
 * batch is answered, the next waits for as many reads as were in flight, or this long. Sent
 * whenever the host was free instead, a 100-file refresh went out on a 2-core machine under
 * load as alternating batches of 1 and 7 reads: twice the round trips (docs/decisions/0110).
 */
export const BURST_MAX_WAIT_MS = 30;

/** (Re)arms the timer that sends the pending reads once their batch is complete or waited long enough. */
function collect(conn: HostConnectionState, q: HostQueue): void {
  const now = Date.now();
  if (q.timer === undefined) q.since = now;
  else clearTimeout(q.timer);
  // Right after an answer the engine's next reads are due; later a read starts a burst of its own.
  const expecting = q.expect > 0 && now - q.answeredAt < BURST_MAX_WAIT_MS;
  let delay: number;
  if (expecting) {
    // Once complete, on the next turn of the event loop: reads sent in the same tick still join.
    delay = q.pending.length >= q.expect ? 0 : q.answeredAt + BURST_MAX_WAIT_MS - now;
  } else {
    delay = Math.min(BURST_QUIET_MS, q.since + BURST_MAX_WAIT_MS - now);
  }
  q.timer = setTimeout(() => void flush(conn, q), Math.max(0, delay));
}

function enqueue(
  conn: HostConnectionState,
  read: { script: string } | { file: string },
): Promise<RemoteResult> {
  const q = hostQueue(conn);
  if ("file" in read) {
    const hit = q.ahead.get(read.file);
    if (hit !== undefined) {
      q.ahead.delete(read.file);
      if (hit.changes === hostChanges(conn) && Date.now() - hit.at <= READ_AHEAD_TTL_MS)
        return Promise.resolve({ code: 0, stdout: hit.stdout, stderr: "" });
    }
  }
  return new Promise<RemoteResult>((resolve, reject) => {
    q.pending.push({ ...read, resolve, reject });
    if (!q.running) collect(conn, q);
  });
}

/**
 * Runs a read-only `script` like `runRemote` does, batched with the other reads of the same host
 * that arrive in the same tick or while a batch is running.
 */
export function runRemoteRead(conn: HostConnectionState, script: string): Promise<RemoteResult> {
  return enqueue(conn, { script });
}

/**
 * The state of the file at `path` (a normalized path, as `pathProblem` accepts), printed as
 * `readFileScript(path)` prints it, read together with the other reads of the same batch.
 */
export function readFileStateBatched(conn: HostConnectionState, path: string): Promise<RemoteResult> {
  return enqueue(conn, { file: path });
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
