import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProviderType } from "./dynamic-resource";
import type { HostConnectionArgs, HostConnectionState } from "./host-connection";
import { connectionFailures, connectionInput } from "./host-connection";
import { parseKeyValues, shellQuote } from "./shell";
import { runRemoteChecked } from "./ssh-pool";
import { isUnknown } from "./values";
import {
  diffUfwRules,
  parseUfwShowAdded,
  ufwApplyCommands,
  UFW_DEFAULT_INPUT_POLICY,
} from "../render/edge/ufw-rules";

/** Inputs of {@link UfwRules}. */
export interface UfwRulesArgs {
  /** How to reach the host. */
  connection: HostConnectionArgs;
  /** The whole user rule set, in order, as `ufw show added` prints it without `ufw ` (`renderUfwRules`). */
  rules: string[];
}

interface UfwInputs {
  connection: HostConnectionState;
  rules: string[];
}

/** What the provider keeps: the rules, the incoming default policy and whether UFW is enabled. */
export interface UfwOutputs extends UfwInputs {
  /** `DEFAULT_INPUT_POLICY` from /etc/default/ufw (`DROP` for "default deny incoming"). */
  defaultInputPolicy: string;
  /** `ENABLED` from /etc/ufw/ufw.conf. */
  enabled: boolean;
}

/** Bash script printing the live UFW state: `rule=<rule>` lines, `policy=`, `enabled=`. `etcDir` is for tests. */
export function readUfwScript(etcDir = "/etc"): string {
  return [
    "set -uo pipefail",
    "command -v ufw >/dev/null || { echo 'ufw is not installed' >&2; exit 1; }",
    "ufw show added 2>/dev/null | sed -n 's/^ufw /rule=/p'",
    `. ${shellQuote(`${etcDir}/default/ufw`)}; echo "policy=\${DEFAULT_INPUT_POLICY:-}"`,
    `. ${shellQuote(`${etcDir}/ufw/ufw.conf`)}; echo "enabled=\${ENABLED:-no}"`,
  ].join("\n");
}

/** Parses {@link readUfwScript} output. */
export function parseUfwState(stdout: string): {
  rules: string[];
  defaultInputPolicy: string;
  enabled: boolean;
} {
  const rules = parseUfwShowAdded(
    stdout
      .split("\n")
      .filter((l) => l.startsWith("rule="))
      .map((l) => `ufw ${l.slice(5)}`)
      .join("\n"),
  );
  const kv = parseKeyValues(stdout);
  return { rules, defaultInputPolicy: (kv.policy ?? "").replace(/"/g, ""), enabled: kv.enabled === "yes" };
}

/**
 * Bash script that converges UFW from `live` to `desired`: default deny incoming, the ordered
 * add-then-delete commands of `ufwApplyCommands`, then enable (non-interactive). Rule changes
 * on an active firewall take effect at once; established connections survive (conntrack).
 */
export function applyUfwScript(
  live: { rules: string[]; defaultInputPolicy: string; enabled: boolean },
  desired: string[],
): string {
  const lines = ["set -euo pipefail"];
  if (live.defaultInputPolicy !== UFW_DEFAULT_INPUT_POLICY)
    lines.push("ufw default deny incoming >/dev/null");
  for (const cmd of ufwApplyCommands(live.rules, desired))
    lines.push(`ufw ${cmd.map(shellQuote).join(" ")} >/dev/null`);
  if (!live.enabled) lines.push("ufw --force enable >/dev/null");
  return lines.join("\n");
}

/** The resource diff: drift in rules, policy or enabled state is a change. */
export function diffUfw(olds: UfwOutputs, news: UfwInputs): { changes: boolean; detail: string[] } {
  const detail: string[] = [];
  const d = diffUfwRules(olds.rules, news.rules);
  for (const r of d.missing) detail.push(`missing: ${r}`);
  for (const r of d.extra) detail.push(`not declared: ${r}`);
  if (!d.sameOrder) detail.push("rules out of order");
  if (olds.defaultInputPolicy !== UFW_DEFAULT_INPUT_POLICY)
    detail.push(`default incoming policy is ${olds.defaultInputPolicy || "unset"}`);
  if (!olds.enabled) detail.push("ufw is disabled");
  return { changes: detail.length > 0, detail };
}

async function readLive(conn: HostConnectionState): Promise<ReturnType<typeof parseUfwState>> {
  return parseUfwState((await runRemoteChecked(conn, "read ufw", readUfwScript())).stdout);
}

async function converge(news: UfwInputs): Promise<UfwOutputs> {
  const live = await readLive(news.connection);
  await runRemoteChecked(news.connection, "apply ufw rules", applyUfwScript(live, news.rules));
  const after = await readLive(news.connection);
  const left = diffUfw({ ...news, ...after }, news);
  if (left.changes) {
    throw new Error(`ufw on ${news.connection.host}: after applying, still ${left.detail.join("; ")}`);
  }
  return { ...news, ...after };
}

/** The dynamic provider (exported for the serialization test). */
export const ufwProvider: pulumi.dynamic.ResourceProvider<UfwInputs, UfwOutputs> = {
  async check(_olds, news) {
    const failures = connectionFailures(news.connection);
    if (!Array.isArray(news.rules) && !isUnknown(news.rules))
      failures.push({ property: "rules", reason: "rules must be a list" });
    return { inputs: news, failures };
  },
  async diff(_id, olds, news) {
    if (isUnknown(news.rules)) return { changes: true };
    return { changes: diffUfw(olds, news).changes };
  },
  async create(news) {
    return { id: `${news.connection.host}:${news.connection.port}:ufw`, outs: await converge(news) };
  },
  async update(_id, _olds, news) {
    return { outs: await converge(news) };
  },
  async read(id, props) {
    if (props === undefined || props.connection === undefined) {
      throw new Error(`UfwRules ${id}: no prior state to read from (dynamic resources cannot be imported)`);
    }
    return { id, props: { ...props, ...(await readLive(props.connection)) } };
  },
  async delete() {
    // Deliberately nothing: removing the rules of a default-deny firewall would cut off SSH
    // (docs/decisions/0064). Take UFW over by hand before removing this resource.
  },
};

/** The provider of UfwRules resources, with their type token `pulumi-nodejs:dynamic/host:UfwRules`. */
export const UFW_RULES_TYPE = dynamicProviderType("host", "UfwRules", ufwProvider);

/**
 * The whole UFW user rule set of the host as one resource whose read compares the live rules,
 * so a rule added by hand is drift (type token `pulumi-nodejs:dynamic/host:UfwRules`).
 */
export class UfwRules extends DynamicResource {
  /** Live rules as last read or applied. */
  declare readonly rules: pulumi.Output<string[]>;

  constructor(name: string, args: UfwRulesArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      UFW_RULES_TYPE,
      name,
      {
        connection: connectionInput(args.connection),
        rules: args.rules,
        defaultInputPolicy: undefined,
        enabled: undefined,
      },
      opts,
    );
  }
}

/** Probe command for the firewall's revert guard: the live rules, default policy and enabled flag. */
export const UFW_PROBE_COMMAND =
  'ufw show added 2>/dev/null | grep \'^ufw \'; . /etc/default/ufw; echo "policy=$DEFAULT_INPUT_POLICY"; . /etc/ufw/ufw.conf; echo "enabled=$ENABLED"';

/** What {@link UFW_PROBE_COMMAND} prints once `rules` are applied, UFW denies incoming by default and is enabled. */
export function ufwProbeExpected(rules: readonly string[]): string {
  return [...rules.map((r) => `ufw ${r}`), `policy=${UFW_DEFAULT_INPUT_POLICY}`, "enabled=yes"].join("\n");
}

/** Files the firewall's revert guard restores. */
export const UFW_STATE_FILES = [
  "/etc/ufw/user.rules",
  "/etc/ufw/user6.rules",
  "/etc/default/ufw",
  "/etc/ufw/ufw.conf",
];

/** Command the firewall's revert guard runs after restoring {@link UFW_STATE_FILES}. */
export const UFW_RESTORE_COMMAND =
  '. /etc/ufw/ufw.conf; if [ "$ENABLED" = yes ]; then ufw reload; else ufw --force disable; fi';
