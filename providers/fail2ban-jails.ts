import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import { connectionFailures, connectionInput } from "./host-connection";
import { shellQuote } from "./shell";
import { runRemoteChecked } from "./ssh-pool";
import { isUnknown } from "./values";

/*
 * fail2ban as it runs, not as its files say: the service up and enabled, every declared jail
 * running, and the logs a jail must follow in its list. A jail stopped with `fail2ban-client
 * stop`, or a container log that appeared after fail2ban expanded its `logpath` glob (it does so
 * only when it reads its config), leaves every file as written; this resource sees it
 * (docs/decisions/0065).
 */

/** One log a jail must be following, e.g. nginx-proxy's json-file log. */
export interface JailLog {
  /** Jail name. */
  jail: string;
  /** Absolute path of the log. */
  path: string;
}

/** Inputs of {@link Fail2banJails}. */
export interface Fail2banJailsArgs {
  /** How to reach the host. */
  connection: HostConnectionArgs;
  /** Jails that must be running. */
  jails: string[];
  /** Logs a jail must follow; a new path (a replaced container) makes fail2ban read its config again. */
  logs: pulumi.Input<pulumi.Input<JailLog>[]>;
}

/**
 * The wanted state sits in the same fields the live state is read into (as UfwRules keeps its
 * rules), so a preview and `npm run drift` name the field that drifted.
 */
interface JailsInputs extends Partial<JailsState> {
  connection: HostConnectionState;
  jails: string[];
  logs: JailLog[];
}

/** The live state {@link readJailsScript} reports. */
export interface JailsState {
  /** `systemctl is-active fail2ban` said `active`. */
  active: boolean;
  /** `systemctl is-enabled fail2ban` said `enabled`. */
  enabled: boolean;
  /** Jails fail2ban runs, sorted. */
  running: string[];
  /** Of the wanted logs, those their jail follows. */
  watched: JailLog[];
}

type JailsOutputs = JailsInputs & JailsState;

/** Bash script printing `active=`, `enabled=`, one `jail=<name>` per running jail and `log=<jail> <path>` per followed log of `logJails`. */
export function readJailsScript(logJails: readonly string[]): string {
  return [
    "set -uo pipefail",
    'echo "active=$(systemctl is-active fail2ban 2>/dev/null | head -n1)"',
    'echo "enabled=$(systemctl is-enabled fail2ban 2>/dev/null | head -n1)"',
    "if systemctl is-active -q fail2ban; then",
    "  list=$(fail2ban-client status 2>/dev/null | sed -n 's/.*Jail list:[[:space:]]*//p')",
    '  for j in ${list//,/ }; do echo "jail=$j"; done',
    ...[...new Set(logJails)].map(
      (j) =>
        // Jail names are checked to [A-Za-z0-9_.-], so the name is literal in the sed replacement.
        `  fail2ban-client get ${shellQuote(j)} logpath 2>/dev/null | sed -n 's/^[|\`]- /log=${j} /p'`,
    ),
    "fi",
    "",
  ].join("\n");
}

/** Parses {@link readJailsScript} output; `wanted` filters the logs to those asked for. */
export function parseJailsState(stdout: string, wanted: readonly JailLog[]): JailsState {
  const lines = stdout.split("\n");
  const value = (key: string): string =>
    lines.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1) ?? "";
  const followed = new Set(lines.filter((l) => l.startsWith("log=")).map((l) => l.slice(4)));
  return {
    active: value("active") === "active",
    enabled: value("enabled") === "enabled",
    running: lines
      .filter((l) => l.startsWith("jail="))
      .map((l) => l.slice(5))
      .sort(),
    watched: wanted.filter((w) => followed.has(`${w.jail} ${w.path}`)),
  };
}

/** What differs from the wanted state, one phrase each; empty when nothing does. */
export function jailsDrift(
  live: JailsState,
  want: { jails: readonly string[]; logs: readonly JailLog[] },
): string[] {
  const drift: string[] = [];
  if (!live.active) drift.push("fail2ban is not running");
  if (!live.enabled) drift.push("fail2ban is not enabled");
  if (!live.active) return drift;
  for (const j of want.jails) if (!live.running.includes(j)) drift.push(`jail ${j} is not running`);
  for (const l of want.logs) {
    if (!live.watched.some((w) => w.jail === l.jail && w.path === l.path))
      drift.push(`jail ${l.jail} does not follow ${l.path}`);
  }
  return drift;
}

/**
 * Bash script that brings fail2ban to the wanted state: enabled, started or told to read its
 * config again (`reload` keeps current bans, starts stopped jails and expands `logpath` globs
 * anew), then waits up to 60 s until every jail in `jails` runs.
 */
export function convergeJailsScript(jails: readonly string[]): string {
  return [
    "set -euo pipefail",
    "systemctl enable -q fail2ban",
    "if systemctl is-active -q fail2ban; then fail2ban-client reload >/dev/null; else systemctl start fail2ban; fi",
    `want=(${jails.map(shellQuote).join(" ")})`,
    "for _ in $(seq 1 60); do",
    "  list=$(fail2ban-client status 2>/dev/null | sed -n 's/.*Jail list:[[:space:]]*//p') || true",
    "  missing=0",
    '  for j in "${want[@]}"; do case ", $list, " in *", $j, "*) ;; *) missing=1 ;; esac; done',
    '  [ "$missing" = 0 ] && exit 0',
    "  sleep 1",
    "done",
    'echo "fail2ban runs [$list], not every jail of [${want[*]}], after 60 s" >&2',
    "exit 1",
  ].join("\n");
}

async function readLive(i: JailsInputs): Promise<JailsState> {
  const result = await runRemoteChecked(
    i.connection,
    "read fail2ban",
    readJailsScript(i.logs.map((l) => l.jail)),
  );
  return parseJailsState(result.stdout, i.logs);
}

async function converge(news: JailsInputs): Promise<JailsOutputs> {
  await runRemoteChecked(news.connection, "start fail2ban jails", convergeJailsScript(news.jails));
  const after = await readLive(news);
  const left = jailsDrift(after, news);
  if (left.length > 0) {
    throw new Error(`fail2ban on ${news.connection.host}: after converging, still ${left.join("; ")}`);
  }
  return { ...news, ...after };
}

/** The dynamic provider (exported for the serialization test). */
export const fail2banJailsProvider: pulumi.dynamic.ResourceProvider<JailsInputs, JailsOutputs> = {
  async check(_olds, news) {
    const failures = connectionFailures(news.connection);
    const jailName = (j: unknown): boolean => /^[A-Za-z0-9_.-]+$/.test(String(j));
    if (!Array.isArray(news.jails) || !news.jails.every(jailName))
      failures.push({ property: "jails", reason: "jails must be a list of jail names" });
    if (Array.isArray(news.logs) && !news.logs.every((l) => isUnknown(l) || jailName(l.jail)))
      failures.push({ property: "logs", reason: "each log names its jail" });
    return { inputs: news, failures };
  },
  async diff(_id, olds, news) {
    if (
      isUnknown(news.logs) ||
      (Array.isArray(news.logs) && news.logs.some((l) => isUnknown(l) || isUnknown(l.path)))
    )
      return { changes: true };
    return { changes: jailsDrift(olds, news).length > 0 };
  },
  async create(news) {
    return { id: `${news.connection.host}:${news.connection.port}:fail2ban`, outs: await converge(news) };
  },
  async update(_id, _olds, news) {
    return { outs: await converge(news) };
  },
  async read(id, props) {
    if (props === undefined || props.connection === undefined) {
      throw new Error(
        `Fail2banJails ${id}: no prior state to read from (dynamic resources cannot be imported)`,
      );
    }
    return { id, props: { ...props, ...(await readLive(props)) } };
  },
  async delete() {
    // Nothing to undo: the jail files are their own resources, and fail2ban stays as installed.
  },
};

/** The provider of Fail2banJails resources, with their type token `pulumi-nodejs:dynamic/host:Fail2banJails`. */
export const FAIL2BAN_JAILS_TYPE = dynamicProviderType("host", "Fail2banJails", fail2banJailsProvider);

/**
 * fail2ban's running state, read back on every refresh (type token
 * `pulumi-nodejs:dynamic/host:Fail2banJails`): a stopped service or jail, or a log a jail does
 * not follow, is drift that `up` repairs.
 */
export class Fail2banJails extends DynamicResource {
  /** Jails running as last read or converged. */
  declare readonly running: pulumi.Output<string[]>;

  constructor(name: string, args: Fail2banJailsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      FAIL2BAN_JAILS_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        jails: args.jails,
        logs: args.logs,
        active: true,
        enabled: true,
        running: [...args.jails].sort(),
        watched: args.logs,
      },
      opts,
    );
  }
}
