import { Client } from "ssh2";
import type { HostConnectionState } from "./host-connection";
import { hostKeyAlgorithms, hostKeyMismatch, parsePinnedHostKey } from "./host-connection";
import { bootstrapCommand, FRAME_ERROR_EXIT, frameStdin } from "./shell";
import { sha256Hex } from "./digest";

/*
 * One SSH connection per host for a whole run, shared by every host resource.
 *
 * The dynamic providers are serialized into state and revived in a separate provider process,
 * so this module must not hold state of its own: the pool lives on `globalThis` under a
 * registered symbol and is created lazily on first use inside a provider method. Everything
 * here is serialized by value together with the provider that calls it.
 */

/** Result of one remote script. */
export interface RemoteResult {
  /** Exit code, or null when the process died from a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

interface PoolEntry {
  client: Client;
  ready: Promise<void>;
  /** Callers holding the connection (running or waiting for a channel). */
  active: number;
  /** Channels open right now. */
  channels: number;
  /** Callers waiting for a free channel. */
  waiters: (() => void)[];
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  closed: boolean;
}

/** The shared pool: live connections by key, and how many connections this process opened. */
export interface SshPool {
  entries: Map<string, PoolEntry>;
  opened: number;
}

/** Channels multiplexed at once over one connection (OpenSSH's MaxSessions default is 10). */
export const MAX_CHANNELS = 8;
/** Tries to open a channel before giving up (the server refused one: MaxSessions reached). */
export const CHANNEL_OPEN_ATTEMPTS = 40;
/** An unused connection is closed after this many milliseconds. */
export const IDLE_CLOSE_MS = 5000;

/** The process-wide pool, created on first use. */
export function sshPool(): SshPool {
  const slot = globalThis as unknown as Record<symbol, SshPool | undefined>;
  const key = Symbol.for("hemma.ssh.pool");
  let pool = slot[key];
  if (pool === undefined) {
    pool = { entries: new Map(), opened: 0 };
    slot[key] = pool;
  }
  return pool;
}

/** Close every pooled connection now (tests and scripts call this before exiting). */
export function closeHostConnections(): void {
  const pool = sshPool();
  for (const entry of pool.entries.values()) {
    entry.closed = true;
    if (entry.idleTimer !== undefined) {
      clearTimeout(entry.idleTimer);
    }
    entry.client.end();
  }
  pool.entries.clear();
}

function poolKey(conn: HostConnectionState): string {
  // The key material is part of the identity (hashed, never kept in clear) so two resources with
  // different credentials for the same host never share an authenticated session.
  return `${conn.user}@${conn.host}:${conn.port}#${sha256Hex(`${conn.hostKey}\n${conn.privateKey}`).slice(0, 16)}`;
}

function openConnection(pool: SshPool, key: string, conn: HostConnectionState): PoolEntry {
  const pinned = parsePinnedHostKey(conn.hostKey);
  const client = new Client();
  let mismatch: string | undefined;
  const entry: PoolEntry = {
    client,
    ready: Promise.resolve(),
    active: 0,
    channels: 0,
    waiters: [],
    idleTimer: undefined,
    closed: false,
  };
  const forget = (): void => {
    entry.closed = true;
    if (entry.idleTimer !== undefined) {
      clearTimeout(entry.idleTimer);
    }
    if (pool.entries.get(key) === entry) {
      pool.entries.delete(key);
    }
  };
  entry.ready = new Promise<void>((resolve, reject) => {
    let settled = false;
    client.on("ready", () => {
      // Scripts and answers are small writes. With Nagle's algorithm on, each waited for the
      // host's delayed ACK: 134 ms per remote script on the sandbox, 10 ms without (decision 0110).
      client.setNoDelay(true);
      settled = true;
      resolve();
    });
    client.on("error", (err: Error & { level?: string }) => {
      forget();
      if (settled) {
        return;
      }
      settled = true;
      if (mismatch !== undefined) {
        reject(new Error(mismatch));
      } else if (err.level === "client-authentication") {
        reject(
          new Error(
            `SSH authentication failed for ${conn.user}@${conn.host}:${conn.port}: the private key was not accepted`,
          ),
        );
      } else if (/timed out/i.test(err.message)) {
        reject(
          new Error(
            `cannot connect to ${conn.host}:${conn.port}: no SSH handshake within ${conn.connectTimeoutSeconds} s`,
          ),
        );
      } else {
        reject(new Error(`cannot connect to ${conn.host}:${conn.port}: ${err.message}`));
      }
    });
    client.on("close", () => {
      forget();
      if (!settled) {
        settled = true;
        reject(
          new Error(
            mismatch ?? `cannot connect to ${conn.host}:${conn.port}: connection closed during handshake`,
          ),
        );
      }
    });
  });
  // Callers attach their own handlers; this keeps a failed connect from being an unhandled rejection.
  entry.ready.catch(() => undefined);
  pool.opened += 1;
  const config = {
    host: conn.host,
    port: conn.port,
    username: conn.user,
    privateKey: conn.privateKey,
    readyTimeout: conn.connectTimeoutSeconds * 1000,
    keepaliveInterval: 15000,
    keepaliveCountMax: 3,
    algorithms: { serverHostKey: hostKeyAlgorithms(pinned.type) as never },
    hostVerifier: (key: Buffer): boolean => {
      mismatch = hostKeyMismatch(conn.host, conn.port, conn.hostKey, key);
      return mismatch === undefined;
    },
  };
  try {
    client.connect(config);
  } catch (e) {
    // ssh2 parses the key synchronously; its message never includes the key itself.
    throw new Error(
      `cannot use the private key for ${conn.user}@${conn.host}:${conn.port}: ${(e as Error).message}`,
    );
  }
  return entry;
}

async function acquire(conn: HostConnectionState): Promise<PoolEntry> {
  const pool = sshPool();
  const key = poolKey(conn);
  let entry = pool.entries.get(key);
  if (entry === undefined || entry.closed) {
    entry = openConnection(pool, key, conn);
    pool.entries.set(key, entry);
  }
  if (entry.idleTimer !== undefined) {
    clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
  }
  entry.active += 1;
  try {
    await entry.ready;
  } catch (e) {
    entry.active -= 1;
    throw e;
  }
  return entry;
}

function release(entry: PoolEntry): void {
  entry.active -= 1;
  if (entry.active === 0 && !entry.closed) {
    const timer = setTimeout(() => {
      const pool = sshPool();
      for (const [k, e] of pool.entries) {
        if (e === entry) {
          pool.entries.delete(k);
        }
      }
      entry.closed = true;
      entry.client.end();
    }, IDLE_CLOSE_MS);
    // An idle pool must never keep the provider process alive.
    timer.unref();
    entry.idleTimer = timer;
  }
}

/**
 * Run a bash script as root on the host (`sudo -n`), sending the script and then `payload` on
 * stdin. Opens or reuses the pooled connection, waits for one of {@link MAX_CHANNELS} channels,
 * and kills the channel when `commandTimeoutSeconds` expires.
 *
 * @param label - what the step does, for error messages ("write /etc/foo").
 * @param opts.readOnly - the script changes nothing on the host (counted apart: {@link hostChanges}).
 */
export async function runRemote(
  conn: HostConnectionState,
  label: string,
  script: string,
  payload?: string,
  opts: { readOnly?: boolean } = {},
): Promise<RemoteResult> {
  // Before and after: a read-ahead taken while this ran is older than what it may have changed.
  if (!opts.readOnly) noteHostChange(conn);
  try {
    return await runOnPool(conn, label, script, payload);
  } finally {
    if (!opts.readOnly) noteHostChange(conn);
  }
}

/**
 * How many remote runs not marked read-only have started or ended on the host of `conn` (any
 * credentials) in this process: a result read while this number stayed the same saw no change
 * made through this process (providers/read-batch.ts reads ahead on that condition).
 */
export function hostChanges(conn: HostConnectionState): number {
  return changeCounts().get(hostOf(conn)) ?? 0;
}

/** The host of `conn`, whatever the credentials: changes are counted per machine. */
function hostOf(conn: HostConnectionState): string {
  return `${conn.host}:${conn.port}`;
}

function changeCounts(): Map<string, number> {
  const slot = globalThis as unknown as Record<symbol, Map<string, number> | undefined>;
  const key = Symbol.for("hemma.ssh.hostChanges");
  return (slot[key] ??= new Map());
}

/** Counts a change made on the host of `conn` (what {@link runRemote} does around a run not read-only). */
export function noteHostChange(conn: HostConnectionState): void {
  const counts = changeCounts();
  counts.set(hostOf(conn), hostChanges(conn) + 1);
}

async function runOnPool(
  conn: HostConnectionState,
  label: string,
  script: string,
  payload?: string,
): Promise<RemoteResult> {
  const entry = await acquire(conn);
  try {
    while (entry.channels >= MAX_CHANNELS) {
      await new Promise<void>((resolve) => entry.waiters.push(resolve));
    }
    entry.channels += 1;
    try {
      // sshd frees a session slot a moment after the channel closes, so a burst can briefly
      // exceed its MaxSessions; the script never started then, so opening again is safe.
      for (let attempt = 1; ; attempt++) {
        try {
          return await execOnce(entry.client, conn, label, script, payload);
        } catch (e) {
          if (!(e as { channelOpenFailed?: boolean }).channelOpenFailed || attempt >= CHANNEL_OPEN_ATTEMPTS) {
            throw e;
          }
          await new Promise<void>((resolve) => setTimeout(resolve, Math.min(50 * attempt, 500)));
        }
      }
    } finally {
      entry.channels -= 1;
      entry.waiters.shift()?.();
    }
  } finally {
    release(entry);
  }
}

function execOnce(
  client: Client,
  conn: HostConnectionState,
  label: string,
  script: string,
  payload: string | undefined,
): Promise<RemoteResult> {
  const where = `${conn.host}:${conn.port}`;
  return new Promise<RemoteResult>((resolve, reject) => {
    client.exec(bootstrapCommand(conn.commandTimeoutSeconds), (err, stream) => {
      if (err) {
        reject(
          Object.assign(new Error(`${label} on ${where}: cannot open an SSH channel: ${err.message}`), {
            channelOpenFailed: true,
          }),
        );
        return;
      }
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let code: number | null = null;
      let timedOut = false;
      const timer = setTimeout(
        () => {
          timedOut = true;
          try {
            stream.signal("KILL");
          } catch {
            // The server may refuse signals; closing the channel below is what ends the wait.
          }
          stream.close();
        },
        conn.commandTimeoutSeconds * 1000 + 2000,
      );
      timer.unref();
      stream.on("data", (d: Buffer) => out.push(d));
      stream.stderr.on("data", (d: Buffer) => errOut.push(d));
      stream.on("exit", (c: number | null) => {
        code = c;
      });
      stream.on("close", () => {
        clearTimeout(timer);
        const result: RemoteResult = {
          code,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(errOut).toString("utf8"),
        };
        if (timedOut || code === 124) {
          reject(new Error(`${label} on ${where}: timed out after ${conn.commandTimeoutSeconds} s`));
        } else if (code === FRAME_ERROR_EXIT) {
          reject(new Error(`${label} on ${where}: the remote shell did not receive the whole script`));
        } else if (/^sudo: /m.test(result.stderr) && code === 1 && result.stdout === "") {
          reject(new Error(`${label} on ${where}: sudo -n failed for ${conn.user}: ${result.stderr.trim()}`));
        } else {
          resolve(result);
        }
      });
      stream.end(frameStdin(script, payload));
    });
  });
}

/**
 * {@link runRemote}, then fail unless the script exited 0. The error names the step, the host
 * and the script's stderr.
 */
export async function runRemoteChecked(
  conn: HostConnectionState,
  label: string,
  script: string,
  payload?: string,
): Promise<RemoteResult> {
  const result = await runRemote(conn, label, script, payload);
  if (result.code !== 0) {
    throw remoteFailure(conn, label, result);
  }
  return result;
}

/** The error for a remote script that exited non-zero: step, host, exit code and its stderr. */
export function remoteFailure(conn: HostConnectionState, label: string, result: RemoteResult): Error {
  const detail = result.stderr.trim() || result.stdout.trim() || "no output";
  return new Error(
    `${label} on ${conn.host}:${conn.port} failed (exit ${result.code ?? "signal"}): ${detail}`,
  );
}
