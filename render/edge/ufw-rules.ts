/** Arguments of {@link renderUfwRules}: the data of spec §7.2 as resolved in docs/decisions/0064. */
export interface UfwRulesArgs {
  /** Interface SSH is allowed on (the VPN), e.g. `tailscale0`. */
  readonly sshInterface: string;
  /** LAN subnet allowed to SSH (break-glass), e.g. `192.168.0.0/24`. */
  readonly lanSubnet: string;
  /** Port of the host LLM server reached from containers. */
  readonly llmPort: number;
  /** Source network of container traffic to the LLM port (Docker bridges). */
  readonly llmSource: string;
  /** Addresses denied outright; they come first because UFW stops at the first match. */
  readonly denyFrom: readonly string[];
  /** Further rules in `ufw show added` form (without `ufw `), appended last. */
  readonly extraRules: readonly string[];
}

/**
 * The desired UFW user rules, in order, each exactly as `ufw show added` prints it without the
 * leading `ufw ` (so the live read compares strings, not parsed rules). The incoming default
 * policy (deny) is separate state; see {@link UFW_DEFAULT_INPUT_POLICY}.
 */
export function renderUfwRules(args: UfwRulesArgs): string[] {
  const rules = [
    ...args.denyFrom.map((source) => `deny from ${source}`),
    "allow 80/tcp",
    "allow 443/tcp",
    `allow in on ${args.sshInterface} to any port 22 proto tcp`,
    `allow from ${args.lanSubnet} to any port 22 proto tcp`,
    `allow from ${args.llmSource} to any port ${args.llmPort} proto tcp comment 'LLM server for Docker'`,
    ...args.extraRules,
  ];
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule)) throw new Error(`ufw rules: '${rule}' is listed twice`);
    seen.add(rule);
  }
  return rules;
}

/** `DEFAULT_INPUT_POLICY` in `/etc/default/ufw` for "default deny incoming". */
export const UFW_DEFAULT_INPUT_POLICY = "DROP";

/** Parses `ufw show added` output into rules without the `ufw ` prefix; `(None)` is the empty list. */
export function parseUfwShowAdded(stdout: string): string[] {
  const rules: string[] = [];
  for (const raw of stdout.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("ufw ")) rules.push(line.slice(4));
  }
  return rules;
}

/** How the live rule list differs from the desired one. */
export interface UfwRuleDiff {
  /** Desired rules missing on the host, in desired order. */
  readonly missing: string[];
  /** Live rules not desired (added by hand, or left over), in live order. */
  readonly extra: string[];
  /** Whether the rules both sides share appear in the same relative order. */
  readonly sameOrder: boolean;
}

/** Compares live and desired rules (lists from {@link parseUfwShowAdded} and {@link renderUfwRules}). */
export function diffUfwRules(live: readonly string[], desired: readonly string[]): UfwRuleDiff {
  const liveSet = new Set(live);
  const desiredSet = new Set(desired);
  const shared = (list: readonly string[], other: Set<string>) => list.filter((r) => other.has(r));
  const a = shared(live, desiredSet);
  const b = shared(desired, liveSet);
  return {
    missing: desired.filter((r) => !liveSet.has(r)),
    extra: live.filter((r) => !desiredSet.has(r)),
    sameOrder: a.length === b.length && a.every((r, i) => r === b[i]),
  };
}

/**
 * The `ufw` argument lists that turn `live` into `desired`, simulated step by step on a copy of
 * the live list. Missing rules are inserted first, at their desired place (`ufw insert <n>`,
 * 1-based, or appended), then unwanted rules are deleted, so an SSH allowance is never absent in
 * between. A shared rule in the wrong place (a deny behind an allow never matches) is deleted and
 * inserted again at its place last.
 */
export function ufwApplyCommands(live: readonly string[], desired: readonly string[]): string[][] {
  const commands: string[][] = [];
  const order = [...live];
  const place = (rule: string): void => {
    const later = desired.slice(desired.indexOf(rule) + 1);
    const pos = order.findIndex((r) => later.includes(r));
    if (pos === -1) {
      commands.push(ufwRuleArgs(rule));
      order.push(rule);
    } else {
      commands.push(["insert", String(pos + 1), ...ufwRuleArgs(rule)]);
      order.splice(pos, 0, rule);
    }
  };
  const remove = (rule: string): void => {
    commands.push(["delete", ...ufwRuleArgs(rule)]);
    order.splice(order.indexOf(rule), 1);
  };
  for (const rule of desired) if (!order.includes(rule)) place(rule);
  for (const rule of live) if (!desired.includes(rule)) remove(rule);
  for (let i = 0; i < desired.length; i++) {
    const rule = desired[i]!;
    if (order[i] !== rule) {
      remove(rule);
      place(rule);
    }
  }
  return commands;
}

/** Splits one rule into ufw arguments; a trailing `comment '…'` stays one argument. */
export function ufwRuleArgs(rule: string): string[] {
  const m = /^(.*?) comment '([^']*)'$/.exec(rule);
  const body = m ? m[1]! : rule;
  const words = body.split(" ").filter((w) => w.length > 0);
  return m ? [...words, "comment", m[2]!] : words;
}
