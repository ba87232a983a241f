import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import { Client } from "ssh2";
import { sha256Hex } from "./digest";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import {
  connectionFailures,
  connectionInput,
  hostKeyAlgorithms,
  hostKeyMismatch,
  parsePinnedHostKey,
} from "./host-connection";
import { parseKeyValues, shellQuote } from "./shell";
import { runRemoteChecked } from "./ssh-pool";
import { isUnknown } from "./values";

/*
 * Lockout protection for SSH and firewall changes (docs/decisions/0066).
 *
 * A guarded change is three resources in dependency order:
 *   RevertGuardArm  → snapshots the guarded files and arms `systemd-run --on-active=<timeout>`,
 *                     a transient timer that restores them and runs the restore command;
 *   the change      → HostFile / UfwRules, depending on the Arm;
 *   RevertGuardConfirm → proves access with a FRESH SSH connection (the pooled one survives an
 *                     sshd reload and a firewall change, so it proves nothing), then disarms.
 * If the fresh connection fails, Confirm waits for the revert, checks the host is reachable
 * again and fails `up` saying what happened. Everything here is serialized into state: no
 * secrets captured, no module state.
 */

/** Where snapshots and the restore script live on the host. */
export const REVERT_DIR = "/var/lib/hemma/revert";

/** Name rule for a guard: it becomes a directory and a systemd unit name. */
export function guardNameProblem(name: string): string | undefined {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(name)
    ? undefined
    : `guard name '${name}' must be lower-case letters, digits and '-'`;
}

/** The transient unit of guard `name` (`<unit>.timer` and `<unit>.service`). */
export function revertUnit(name: string): string {
  return `hemma-revert-${name}`;
}

/** What {@link armScript} needs. */
export interface ArmSpec {
  /** Guard name (see {@link guardNameProblem}). */
  name: string;
  /** Absolute paths restored by the revert; a path absent at arming is deleted by it. */
  paths: string[];
  /** Shell command the revert runs after restoring the files (`systemctl reload ssh`, `ufw reload`). */
  restoreCommand: string;
  /** Seconds until the revert fires unless disarmed. */
  timeoutSeconds: number;
  /** Identity of this arming, stored with the snapshot so a later disarm can tell its own revert from a stale one. */
  armId: string;
}

/**
 * Bash script (as root) that snapshots `paths`, writes `restore.sh` and arms the transient timer.
 * A guard armed before (an interrupted run) is replaced. Prints `armed=<unit>`. `baseDir` is for tests.
 */
export function armScript(spec: ArmSpec, baseDir = REVERT_DIR): string {
  const problem = guardNameProblem(spec.name);
  if (problem !== undefined) throw new Error(problem);
  if (!Number.isInteger(spec.timeoutSeconds) || spec.timeoutSeconds < 5) {
    throw new Error(`revert timeout must be a whole number of seconds >= 5, got ${spec.timeoutSeconds}`);
  }
  const dir = `${baseDir}/${spec.name}`;
  const unit = revertUnit(spec.name);
  return [
    "set -euo pipefail",
    `dir=${shellQuote(dir)}`,
    `unit=${shellQuote(unit)}`,
    'systemctl stop "$unit.timer" 2>/dev/null || true',
    'systemctl reset-failed "$unit.timer" "$unit.service" 2>/dev/null || true',
    'rm -rf -- "$dir"',
    'mkdir -p -m 0700 -- "$dir/files"',
    `printf '%s\\n' ${shellQuote(spec.armId)} > "$dir/arm-id"`,
    "i=0",
    "{",
    "  echo 'set -u'",
    `  for p in ${spec.paths.map(shellQuote).join(" ")}; do`,
    '    if [ -e "$p" ]; then',
    '      cp -a -- "$p" "$dir/files/$i"',
    // Copy next to the target, then rename: the restore is as atomic as the change was.
    '      printf \'cp -a -- %q %q && mv -f -- %q %q\\n\' "$dir/files/$i" "$p.hemma-revert" "$p.hemma-revert" "$p"',
    "    else",
    "      printf 'rm -f -- %q\\n' \"$p\"",
    "    fi",
    "    i=$((i + 1))",
    "  done",
    `  printf '%s\\n' ${shellQuote(spec.restoreCommand)}`,
    `  printf 'logger -t hemma-revert %q\\n' ${shellQuote(`guard ${spec.name}: access was not confirmed within ${spec.timeoutSeconds} s; previous files restored`)}`,
    "  printf 'touch %q\\n' \"$dir/reverted\"",
    '} > "$dir/restore.sh"',
    `systemd-run --quiet --unit="$unit" --on-active=${spec.timeoutSeconds}s --timer-property=AccuracySec=1s /bin/bash "$dir/restore.sh"`,
    'echo "armed=$unit"',
  ].join("\n");
}

/**
 * Bash script that disarms guard `name`: stops the timer, waits for a revert that is already
 * running, and reports `reverted=yes|no`: whether the revert of arming `armId` ran before the
 * disarm (a marker left by an older arming, e.g. after a lockout was reverted, is not this one's).
 * `baseDir` is for tests.
 */
export function disarmScript(name: string, armId: string, baseDir = REVERT_DIR): string {
  const problem = guardNameProblem(name);
  if (problem !== undefined) throw new Error(problem);
  return [
    "set -uo pipefail",
    `dir=${shellQuote(`${baseDir}/${name}`)}`,
    `unit=${shellQuote(revertUnit(name))}`,
    'systemctl stop "$unit.timer" 2>/dev/null || true',
    'for _ in $(seq 1 100); do systemctl is-active -q "$unit.service" || break; sleep 0.2; done',
    `want=${shellQuote(armId)}`,
    'if [ -e "$dir/reverted" ] && [ "$(cat "$dir/arm-id" 2>/dev/null)" = "$want" ]; then echo reverted=yes; else echo reverted=no; fi',
    'systemctl reset-failed "$unit.timer" "$unit.service" 2>/dev/null || true',
    'rm -rf -- "$dir"',
  ].join("\n");
}

/** Bash script printing the sha256 of the probe command's stdout as `digest=<hex>`. */
export function probeScript(probeCommand: string): string {
  return [
    "set -uo pipefail",
    `out=$( { ${probeCommand} ; } 2>/dev/null )`,
    'printf "digest=%s\\n" "$(printf "%s" "$out" | sha256sum | cut -d" " -f1)"',
  ].join("\n");
}

/**
 * The digest {@link probeScript} prints for a probe whose stdout is `expected` (command
 * substitution drops trailing newlines, so they are dropped here too).
 */
export function probeDigest(expected: string): string {
  return sha256Hex(expected.replace(/\n+$/, ""));
}

/** One try of a fresh SSH login plus `sudo -n true`; resolves to an error message, or undefined when it worked. */
export function freshAccessAttempt(conn: HostConnectionState): Promise<string | undefined> {
  return new Promise((resolve) => {
    const client = new Client();
    const state: { mismatch?: string; done: boolean; timer?: ReturnType<typeof setTimeout> } = {
      done: false,
    };
    const finish = (result: string | undefined): void => {
      if (state.done) return;
      state.done = true;
      if (state.timer !== undefined) clearTimeout(state.timer);
      client.end();
      resolve(result);
    };
    const limit = conn.connectTimeoutSeconds + 10;
    state.timer = setTimeout(() => finish(`no login within ${limit} s`), limit * 1000);
    client.on("ready", () => {
      client.exec("sudo -n true", (err, stream) => {
        if (err) return finish(`cannot open a channel: ${err.message}`);
        let stderr = "";
        stream.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        stream.on("exit", (code: number | null) =>
          finish(code === 0 ? undefined : `sudo -n true exited ${code}: ${stderr.trim()}`),
        );
        stream.resume();
      });
    });
    client.on("error", (err: Error & { level?: string }) => {
      if (state.mismatch !== undefined) finish(state.mismatch);
      else if (err.level === "client-authentication") finish(`the login of ${conn.user} was refused`);
      else finish(err.message);
    });
    client.on("close", () => finish("connection closed during login"));
    client.connect({
      host: conn.host,
      port: conn.port,
      username: conn.user,
      privateKey: conn.privateKey,
      readyTimeout: conn.connectTimeoutSeconds * 1000,
      algorithms: { serverHostKey: hostKeyAlgorithms(parsePinnedHostKey(conn.hostKey).type) as never },
      hostVerifier: (key: Buffer): boolean => {
        state.mismatch = hostKeyMismatch(conn.host, conn.port, conn.hostKey, key);
        return state.mismatch === undefined;
      },
    });
  });
}

/** How a series of fresh logins went. */
export interface FreshAccess {
  /** The first failed login's error, if any failed. */
  readonly firstError?: string;
  /** The last login's error; undefined when a login worked. */
  readonly lastError?: string;
}

/**
 * Fresh logins until one works or `attempts` have failed, `delayMs` apart (sshd re-execs on
 * reload, so the first try right after a change may meet a closed port).
 */
export async function proveFreshAccess(
  conn: HostConnectionState,
  attempts: number,
  delayMs: number,
): Promise<FreshAccess> {
  let first: string | undefined;
  let last: string | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await freshAccessAttempt(conn);
    if (last === undefined) return first === undefined ? {} : { firstError: first };
    first ??= last;
    await new Promise((r) => setTimeout(r, delayMs));
  }
  return {
    ...(first === undefined ? {} : { firstError: first }),
    ...(last === undefined ? {} : { lastError: last }),
  };
}

/**
 * What a login that finally worked means, given whether the revert of this arming had run
 * and whether the host still holds the wanted state: `ok`; `lockout` when logins failed until
 * the revert put the previous state back (the change cut access; a firewall that drops the
 * login makes each try last the whole connect timeout, so the revert may fire while they run);
 * `slow` when nothing failed but the run outlasted the timeout.
 */
export function confirmOutcome(
  access: FreshAccess,
  reverted: boolean,
  holdsWantedState: boolean,
): "ok" | "lockout" | "slow" {
  if (!reverted || holdsWantedState) return "ok";
  return access.firstError === undefined ? "slow" : "lockout";
}

// ---------------------------------------------------------------------------------------------
// RevertGuardArm

/** Inputs of {@link RevertGuardArm}. */
export interface RevertGuardArmArgs {
  /** How to reach the host. */
  connection: HostConnectionArgs;
  /** Guard name: directory under {@link REVERT_DIR} and unit `hemma-revert-<name>`. */
  name: string;
  /** Files the revert restores. */
  paths: string[];
  /** Command the revert runs after restoring them. */
  restoreCommand: string;
  /** Command printing the guarded live state (e.g. `cat <file>`, `ufw show added | grep '^ufw '`). */
  probeCommand: string;
  /** {@link probeDigest} of the state the guarded change will produce; a difference arms the guard. */
  desiredDigest: pulumi.Input<string>;
  /** Seconds until the revert fires unless confirmed. */
  timeoutSeconds: number;
}

interface ArmInputs {
  connection: HostConnectionState;
  name: string;
  paths: string[];
  restoreCommand: string;
  probeCommand: string;
  desiredDigest: string;
  timeoutSeconds: number;
}

interface ArmOutputs extends ArmInputs {
  /** Digest of the guarded state as last read (refresh) or as the change will leave it. */
  liveDigest: string;
  /** Changes on every arming; the Confirm resource takes it as input so it runs after each. */
  armId: string;
}

/** The Arm's diff: it re-arms when the wanted state differs from the live (or last) one. */
export function diffArm(olds: ArmOutputs, news: ArmInputs): { changes: boolean; replaces: string[] } {
  const replaces =
    olds.name !== news.name ||
    olds.connection.host !== news.connection.host ||
    olds.connection.port !== news.connection.port
      ? ["name"]
      : [];
  const changes =
    replaces.length > 0 ||
    isUnknown(news.desiredDigest) ||
    news.desiredDigest !== olds.liveDigest ||
    JSON.stringify(news.paths) !== JSON.stringify(olds.paths) ||
    news.restoreCommand !== olds.restoreCommand ||
    news.probeCommand !== olds.probeCommand ||
    news.timeoutSeconds !== olds.timeoutSeconds;
  return { changes, replaces };
}

async function arm(news: ArmInputs): Promise<ArmOutputs> {
  const armId = `${news.name}@${new Date().toISOString()}`;
  await runRemoteChecked(news.connection, `arm revert ${news.name}`, armScript({ ...news, armId }));
  return { ...news, liveDigest: news.desiredDigest, armId };
}

/** The Arm's dynamic provider (exported for the serialization test). */
export const armProvider: pulumi.dynamic.ResourceProvider<ArmInputs, ArmOutputs> = {
  async check(_olds, news) {
    const failures = connectionFailures(news.connection);
    const problem = guardNameProblem(String(news.name));
    if (problem !== undefined) failures.push({ property: "name", reason: problem });
    return { inputs: news, failures };
  },
  async diff(_id, olds, news) {
    return diffArm(olds, news);
  },
  async create(news) {
    const outs = await arm(news);
    return { id: `${news.connection.host}:${news.connection.port}:revert:${news.name}`, outs };
  },
  async update(_id, _olds, news) {
    return { outs: await arm(news) };
  },
  async read(id, props) {
    if (props === undefined || props.connection === undefined) {
      throw new Error(`RevertGuardArm ${id}: no prior state to read from`);
    }
    const result = await runRemoteChecked(
      props.connection,
      `probe ${props.name}`,
      probeScript(props.probeCommand),
    );
    return { id, props: { ...props, liveDigest: parseKeyValues(result.stdout).digest ?? "" } };
  },
  async delete(_id, props) {
    await runRemoteChecked(
      props.connection,
      `disarm revert ${props.name}`,
      disarmScript(props.name, props.armId),
    );
  },
};

/** The provider of RevertGuardArm resources, with their type token `pulumi-nodejs:dynamic/host:RevertGuardArm`. */
export const REVERT_GUARD_ARM_TYPE = dynamicProviderType("host", "RevertGuardArm", armProvider);

/**
 * Arms a host-side revert before a guarded change (type token `pulumi-nodejs:dynamic/host:RevertGuardArm`).
 * Make the guarded resources depend on it and a {@link RevertGuardConfirm} depend on them.
 */
export class RevertGuardArm extends DynamicResource {
  /** Changes on every arming. */
  declare readonly armId: pulumi.Output<string>;
  /** Guard name. */
  declare readonly name: pulumi.Output<string>;

  constructor(name: string, args: RevertGuardArmArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      REVERT_GUARD_ARM_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        name: args.name,
        paths: args.paths,
        restoreCommand: args.restoreCommand,
        probeCommand: args.probeCommand,
        desiredDigest: args.desiredDigest,
        timeoutSeconds: args.timeoutSeconds,
        liveDigest: undefined,
        armId: undefined,
      },
      opts,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// RevertGuardConfirm

/** Inputs of {@link RevertGuardConfirm}. */
export interface RevertGuardConfirmArgs {
  /** How to reach the host; the fresh login uses exactly these credentials. */
  connection: HostConnectionArgs;
  /** Guard name, as given to the Arm. */
  name: string;
  /** The Arm's `armId`: a new value makes this resource prove access again. */
  armId: pulumi.Input<string>;
  /** The Arm's timeout in seconds (how long to wait for the revert when access is lost). */
  timeoutSeconds: number;
  /** What the guarded change is, for the error message (e.g. "sshd hardening"). */
  description: string;
  /** The Arm's probe command, to tell a harmless revert (the host already holds the wanted state) from a lost change. */
  probeCommand: string;
  /** The Arm's desired digest. */
  desiredDigest: pulumi.Input<string>;
}

interface ConfirmInputs {
  connection: HostConnectionState;
  name: string;
  armId: string;
  timeoutSeconds: number;
  description: string;
  probeCommand: string;
  desiredDigest: string;
}

/** The error `up` fails with when the fresh login failed and the host reverted itself. */
export function lockoutMessage(
  c: {
    connection: Pick<HostConnectionState, "user" | "host" | "port">;
    name: string;
    timeoutSeconds: number;
    description: string;
  },
  loginError: string,
  reachableAgain: boolean,
): string {
  const who = `${c.connection.user}@${c.connection.host}:${c.connection.port}`;
  return reachableAgain
    ? `${c.description} would have locked ${who} out (a fresh SSH login failed: ${loginError}). ` +
        `The host restored the previous files itself (revert unit ${revertUnit(c.name)} after ${c.timeoutSeconds} s) and is reachable again; ` +
        "nothing was kept. Fix the config (AllowUsers, firewall rules) and run up again."
    : `${c.description} cut off ${who} (a fresh SSH login failed: ${loginError}), and the host is still unreachable ` +
        `after its revert (${revertUnit(c.name)}, ${c.timeoutSeconds} s) should have fired. Use the LAN break-glass path.`;
}

async function confirm(news: ConfirmInputs): Promise<void> {
  const access = await proveFreshAccess(news.connection, 5, 2000);
  const loginError = access.lastError;
  if (loginError === undefined) {
    const result = await runRemoteChecked(
      news.connection,
      `disarm revert ${news.name}`,
      disarmScript(news.name, news.armId),
    );
    const reverted = parseKeyValues(result.stdout).reverted === "yes";
    const outcome = confirmOutcome(
      access,
      reverted,
      !reverted || (await liveDigest(news)) === news.desiredDigest,
    );
    if (outcome === "lockout") throw new Error(lockoutMessage(news, access.firstError!, true));
    if (outcome === "slow") {
      throw new Error(
        `${news.description}: the host reverted the change before access was confirmed (the run took longer than ` +
          `${news.timeoutSeconds} s between arming and confirming); raise hemma:edge.revertTimeoutSeconds and run up again`,
      );
    }
    return;
  }
  // Wait for the revert to fire, then look again.
  const deadline = Date.now() + (news.timeoutSeconds + 30) * 1000;
  let reachable = false;
  while (Date.now() < deadline && !reachable) {
    await new Promise((r) => setTimeout(r, 3000));
    reachable = (await freshAccessAttempt(news.connection)) === undefined;
  }
  if (reachable) {
    // The revert is seen and reported here; clear it so the next run does not report it again.
    await runRemoteChecked(news.connection, `clear revert ${news.name}`, disarmScript(news.name, news.armId));
  }
  throw new Error(lockoutMessage(news, loginError, reachable));
}

async function liveDigest(c: ConfirmInputs): Promise<string> {
  const result = await runRemoteChecked(c.connection, `probe ${c.name}`, probeScript(c.probeCommand));
  return parseKeyValues(result.stdout).digest ?? "";
}

/** The Confirm's dynamic provider (exported for the serialization test). */
export const confirmProvider: pulumi.dynamic.ResourceProvider<ConfirmInputs, ConfirmInputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: connectionFailures(news.connection) };
  },
  async diff(_id, olds, news) {
    return {
      changes:
        isUnknown(news.armId) ||
        olds.armId !== news.armId ||
        olds.description !== news.description ||
        olds.desiredDigest !== news.desiredDigest,
    };
  },
  async create(news) {
    await confirm(news);
    return { id: `${news.connection.host}:${news.connection.port}:confirm:${news.name}`, outs: news };
  },
  async update(_id, _olds, news) {
    await confirm(news);
    return { outs: news };
  },
  async read(id, props) {
    return { id, props };
  },
  async delete() {
    // Nothing on the host belongs to the confirmation.
  },
};

/** The provider of RevertGuardConfirm resources, with their type token `pulumi-nodejs:dynamic/host:RevertGuardConfirm`. */
export const REVERT_GUARD_CONFIRM_TYPE = dynamicProviderType("host", "RevertGuardConfirm", confirmProvider);

/**
 * Proves access with a fresh SSH login after a guarded change, then disarms the revert
 * (type token `pulumi-nodejs:dynamic/host:RevertGuardConfirm`).
 */
export class RevertGuardConfirm extends DynamicResource {
  constructor(name: string, args: RevertGuardConfirmArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      REVERT_GUARD_CONFIRM_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        name: args.name,
        armId: args.armId,
        timeoutSeconds: args.timeoutSeconds,
        description: args.description,
        probeCommand: args.probeCommand,
        desiredDigest: args.desiredDigest,
      },
      opts,
    );
  }
}
