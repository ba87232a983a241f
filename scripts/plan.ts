/**
 * `npm run plan -- <stack>`: the desired state of a stack computed offline: the program run with
 * Pulumi mocks and the committed `Pulumi.<stack>.yaml`, printed as every resource (type, name,
 * URN, options, inputs) and every host file (path, mode, owner, content: those the resources
 * place, plus the rest of what `npm run render` renders for the stack) in a stable order, so
 * two plans can be diffed line by line (the pull-request workflow does exactly that).
 *
 * No secret is ever decrypted: each secret is replaced by a placeholder of a valid shape and the
 * placeholder is printed as `[secret]`. Values the committed file does not hold (prod's host key,
 * dev's sandbox values from its untracked overrides file) get placeholders printed as `[unset]`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { checkConfig, type ConfigEntry } from "../config/check";
import { formatIssue } from "../config/issue";
import type { HemmaConfig } from "../config/schema";
import { PROVIDER_CODE_KEY } from "../providers/dynamic-resource";
import { SECRETS, isSecretKey, type HemmaSecrets, type SecretKey } from "../config/secrets";
import { readStackFile } from "../config/stack-file";
import type { HostLayerConfig } from "../render/host/from-config";
import type { RenderedFile } from "../render/types";

/** Pulumi project name (Pulumi.yaml `name`), used in printed URNs. */
const PROJECT_NAME = "hemma";

const USAGE = `usage: npm run plan -- <stack> [--project-dir <dir>]

Prints the desired state of <stack> computed offline: the program runs with Pulumi mocks and the
committed Pulumi.<stack>.yaml (no engine, no network, no secrets: each secret prints as [secret],
each value the committed file does not hold prints as [unset]). The output is byte-identical for
the same input, ordered by URN, so two plans can be compared with diff.

exit codes:
  0  plan printed
  1  the config is invalid, or the program failed under mocks (message on stderr)
  2  usage error`;

/** Parsed command line of `plan`. */
export interface PlanArgs {
  /** Stack name. */
  readonly stack: string;
  /** Directory holding `Pulumi.<stack>.yaml`. */
  readonly projectDir: string;
}

/** Parses argv (without node and script); returns a usage message instead when it is wrong. */
export function parsePlanArgs(
  argv: readonly string[],
  defaultProjectDir: string,
): PlanArgs | { usage: string; help: boolean } {
  let stack: string | undefined;
  let projectDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { usage: USAGE, help: true };
    if (arg === "--project-dir") {
      projectDir = argv[++i];
      if (projectDir === undefined)
        return { usage: `--project-dir needs a directory\n\n${USAGE}`, help: false };
    } else if (arg.startsWith("-")) return { usage: `unknown option ${arg}\n\n${USAGE}`, help: false };
    else if (stack === undefined) stack = arg;
    else return { usage: `unexpected argument ${arg}\n\n${USAGE}`, help: false };
  }
  if (stack === undefined) return { usage: `missing <stack>\n\n${USAGE}`, help: false };
  if (!/^[A-Za-z0-9_.-]+$/.test(stack))
    return { usage: `not a stack name: ${stack}\n\n${USAGE}`, help: false };
  return { stack, projectDir: projectDir ?? defaultProjectDir };
}

/** How a masked value is printed. */
export const SECRET_MARK = "[secret]";
/** How a value the committed config does not hold is printed. */
export const UNSET_MARK = "[unset]";

/** Stands for serialized provider code: long, and its text depends on where the checkout lives. */
const DYNAMIC_CODE_MARK = "[dynamic provider code]";

/**
 * The placeholder standing in for secret `key`: unique per key, and of a shape every consumer
 * accepts (API-token characters, an apr1 hash for `*Hash` keys), so renderers that validate
 * their input run as they would with the real value.
 */
export function secretPlaceholder(key: string): string {
  if (/Hash$/.test(key)) {
    const salt = "plansalt";
    const body = `planhash${key}`
      .replace(/[^./0-9A-Za-z]/g, "0")
      .padEnd(22, "0")
      .slice(0, 22);
    return `$apr1$${salt}$${body}`;
  }
  return `plansecret_${key}`.padEnd(24, "0");
}

/** A config value the committed file may lack, with the placeholder used in its place. */
export interface PlanFill {
  /** Key path as validate prints it, e.g. `hemma:ssh.hostKey`. */
  readonly path: string;
  /** Placeholder of a valid shape. */
  readonly value: string;
  /** Only for these stacks (keys an overrides file supplies there and that stay unset elsewhere). Default every stack. */
  readonly stacks?: readonly string[];
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** A syntactically valid ed25519 host key line with an all-zero key: it matches no real host. */
const PLACEHOLDER_HOST_KEY = `ssh-ed25519 ${Buffer.concat([u32(11), Buffer.from("ssh-ed25519"), u32(32), Buffer.alloc(32)]).toString("base64")}`;

/**
 * Values an operator (prod) or the sandbox (dev) supplies outside the committed file. Only these
 * are filled; any other missing value is an error, as in validate.
 */
export const PLAN_FILLS: readonly PlanFill[] = [
  { path: "hemma:ssh.hostKey", value: PLACEHOLDER_HOST_KEY },
  { path: "hemma:letsencrypt.email", value: "unset@plan.invalid" },
  { path: "hemma:dns.zoneId", value: "00000000000000000000000000000000" },
  // The sandbox's local Cloudflare API (docs/decisions/0093); prod talks to Cloudflare itself.
  { path: "hemma:dns.apiBaseUrl", value: "http://unset.plan.invalid/client/v4", stacks: ["dev"] },
  { path: "hemma:dns.ddclient.server", value: "unset.plan.invalid/client/v4", stacks: ["dev"] },
  { path: "hemma:dns.ddclient.caFile", value: "/unset.plan.invalid/ca.pem", stacks: ["dev"] },
];

/**
 * The config entries plan checks: the committed file's entries without its secrets, plus one
 * plaintext placeholder per known secret, plus placeholders for {@link PLAN_FILLS} the file
 * lacks (only inside areas that exist, and a fill limited to some stacks only for `stack`). Pure.
 *
 * @returns the entries and the key paths that were filled
 */
export function planEntries(
  entries: readonly ConfigEntry[],
  fills: readonly PlanFill[] = PLAN_FILLS,
  stack?: string,
): { entries: ConfigEntry[]; unset: string[] } {
  const out: ConfigEntry[] = entries
    .filter((e) => !(e.key.startsWith("hemma:") && isSecretKey(e.key.slice("hemma:".length))))
    .map((e) => ({ ...e, value: structuredClone(e.value) }));
  const unset: string[] = [];
  for (const fill of fills) {
    if (fill.stacks !== undefined && (stack === undefined || !fill.stacks.includes(stack))) continue;
    const [top, ...rest] = fill.path.split(".");
    const entry = out.find((e) => e.key === top);
    if (entry === undefined || rest.length === 0 || !isRecord(entry.value)) continue;
    let node: Record<string, unknown> | undefined = entry.value;
    for (const part of rest.slice(0, -1)) {
      const next: unknown = node[part];
      node = isRecord(next) ? next : undefined;
      if (node === undefined) break;
    }
    const last = rest[rest.length - 1]!;
    if (node === undefined || node[last] !== undefined) continue;
    node[last] = fill.value;
    unset.push(fill.path);
  }
  for (const secret of SECRETS) {
    out.push({
      key: `hemma:${secret.key}`,
      value: secretPlaceholder(secret.key),
      secure: false,
      origin: "overrides",
    });
  }
  return { entries: out, unset };
}

/** One resource as plan prints it. */
export interface PlannedResource {
  /** Type token. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** URN (the sort key). */
  readonly urn: string;
  /** Whether it is a custom resource (components have no inputs). */
  readonly custom: boolean;
  /** Inputs, secrets already unwrapped. */
  readonly inputs: Record<string, unknown>;
  /** Dotted paths of inputs that were secret. */
  readonly secretPaths: readonly string[];
  /** Resource options worth reviewing; defaults omitted by the formatter. */
  readonly options: {
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly ignoreChanges: readonly string[];
    readonly replaceOnChanges: readonly string[];
    readonly dependencies: readonly string[];
  };
}

/** Type tokens of the host-file resources whose content is listed under "files". */
export const HOST_FILE_TYPE = "pulumi-nodejs:dynamic/host:HostFile";
/** Type token of the systemd unit resource; its content is a host file too. */
export const SYSTEMD_UNIT_TYPE = "pulumi-nodejs:dynamic/host:SystemdUnit";

/** A host file as plan prints it. */
export interface PlannedFile {
  /** Absolute path on the host. */
  readonly path: string;
  /** Octal mode. */
  readonly mode: string;
  /** Owner and group, `user:group`. */
  readonly owner: string;
  /** Full content. */
  readonly content: string;
  /** URN of the resource that places it. */
  readonly urn: string;
}

/** `placed by` of a file no planned resource places, but the stack's renderers produce. */
export const RENDERED_ONLY = "renderers (npm run render); no resource of the program places it";

/**
 * Host files of the plan, sorted by path: those the planned resources place (HostFile,
 * SystemdUnit with content), plus rendered files (`npm run render`'s list) at paths no resource
 * places. A resource's content wins over a rendered file at the same path: it is what `up` writes.
 */
export function hostFiles(
  resources: readonly PlannedResource[],
  rendered: readonly RenderedFile[] = [],
): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const r of resources) {
    const i = r.inputs;
    if (r.type === HOST_FILE_TYPE && typeof i.path === "string" && typeof i.content === "string") {
      files.push({
        path: i.path,
        mode: String(i.mode),
        owner: `${String(i.owner)}:${String(i.group)}`,
        content: i.content,
        urn: r.urn,
      });
    } else if (r.type === SYSTEMD_UNIT_TYPE && typeof i.content === "string" && typeof i.name === "string") {
      files.push({
        path: `${String(i.directory)}/${i.name}`,
        mode: "0644",
        owner: "root:root",
        content: i.content,
        urn: r.urn,
      });
    }
  }
  const placed = new Set(files.map((f) => f.path));
  for (const f of rendered) {
    if (placed.has(f.path)) continue;
    files.push({
      path: f.path,
      mode: f.mode,
      owner: `${f.owner ?? "root"}:${f.group ?? "root"}`,
      content: f.content,
      urn: RENDERED_ONLY,
    });
  }
  return files.sort((a, b) => compare(a.path, b.path) || compare(a.urn, b.urn));
}

/** Replaces every placeholder in `text` by its mark. Longest placeholders first, so none is cut. */
export function maskText(text: string, marks: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [value, mark] of [...marks].sort((a, b) => b[0].length - a[0].length || compare(a[0], b[0]))) {
    if (value !== "") out = out.split(value).join(mark);
  }
  return out;
}

/** Metadata printed in the plan's header. */
export interface PlanHeader {
  /** Stack name. */
  readonly stack: string;
  /** Key paths filled with placeholders. */
  readonly unset: readonly string[];
}

/**
 * The plan text: a header, every resource ordered by URN, then every host file ordered by path.
 * Keys are sorted at every level; multi-line strings print as indented blocks; every placeholder
 * in `marks` is printed as its mark. Pure and deterministic.
 */
export function formatPlan(
  header: PlanHeader,
  resources: readonly PlannedResource[],
  marks: ReadonlyMap<string, string>,
  rendered: readonly RenderedFile[] = [],
): string {
  const sorted = [...resources].sort((a, b) => compare(a.urn, b.urn));
  const files = hostFiles(sorted, rendered);
  const fileUrns = new Set(files.map((f) => f.urn));
  const lines: string[] = [
    `# hemma plan of stack ${header.stack}: offline (Pulumi mocks, committed Pulumi.${header.stack}.yaml).`,
    `# ${SECRET_MARK} stands for a secret, ${UNSET_MARK} for a value the committed file does not hold.`,
    `# unset: ${header.unset.length > 0 ? header.unset.join(", ") : "none"}`,
    `# ${sorted.length} resources, ${files.length} host files`,
  ];
  for (const r of sorted) {
    lines.push("", `== ${r.type} ${r.name}`, `urn: ${r.urn}`);
    const opts = optionLines(r);
    if (opts.length > 0) lines.push("options:", ...opts.map((o) => `  ${o}`));
    if (!r.custom) continue;
    const inputs: Record<string, unknown> = { ...r.inputs };
    if ("__provider" in inputs) inputs.__provider = DYNAMIC_CODE_MARK;
    const code = inputs[PROVIDER_CODE_KEY];
    if (code !== null && typeof code === "object")
      inputs[PROVIDER_CODE_KEY] = Object.fromEntries(Object.keys(code).map((t) => [t, DYNAMIC_CODE_MARK]));
    if (fileUrns.has(r.urn) && typeof inputs.content === "string") inputs.content = "[listed under files]";
    const entries = Object.keys(inputs)
      .sort(compare)
      .filter((k) => inputs[k] !== undefined);
    if (entries.length === 0) continue;
    lines.push("inputs:");
    for (const key of entries) lines.push(...valueLines(key, inputs[key], "  "));
    if (r.secretPaths.length > 0)
      lines.push(`secret inputs: ${[...new Set(r.secretPaths)].sort(compare).join(", ")}`);
  }
  for (const f of files) {
    lines.push("", `== file ${f.path} (${f.mode} ${f.owner})`, `placed by: ${f.urn}`, "-----");
    lines.push(...f.content.replace(/\n$/, "").split("\n"));
    lines.push(f.content.endsWith("\n") ? "-----" : "----- (no newline at end of file)");
  }
  return `${maskText(lines.join("\n"), marks)}\n`;
}

function optionLines(r: PlannedResource): string[] {
  const o = r.options;
  const out: string[] = [];
  if (o.protect) out.push("protect: true");
  if (o.retainOnDelete) out.push("retainOnDelete: true");
  if (o.deleteBeforeReplace) out.push("deleteBeforeReplace: true");
  if (o.ignoreChanges.length > 0) out.push(`ignoreChanges: ${[...o.ignoreChanges].sort(compare).join(", ")}`);
  if (o.replaceOnChanges.length > 0)
    out.push(`replaceOnChanges: ${[...o.replaceOnChanges].sort(compare).join(", ")}`);
  if (o.dependencies.length > 0)
    out.push(`dependsOn: ${[...new Set(o.dependencies)].sort(compare).join(", ")}`);
  return out;
}

/** One input as lines: scalars inline (JSON), objects and arrays nested, multi-line strings as blocks. */
function valueLines(key: string, value: unknown, indent: string): string[] {
  if (typeof value === "string" && value.includes("\n")) {
    const body = value.replace(/\n$/, "").split("\n");
    return [`${indent}${key}: ${value.endsWith("\n") ? "|" : "|-"}`, ...body.map((l) => `${indent}  ${l}`)];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}${key}: []`];
    return [`${indent}${key}:`, ...value.flatMap((v, i) => valueLines(`[${i}]`, v, `${indent}  `))];
  }
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .sort(compare)
      .filter((k) => value[k] !== undefined);
    if (keys.length === 0) return [`${indent}${key}: {}`];
    return [`${indent}${key}:`, ...keys.flatMap((k) => valueLines(k, value[k], `${indent}  `))];
  }
  return [`${indent}${key}: ${JSON.stringify(value) ?? "undefined"}`];
}

/** Code-unit order: independent of the machine's locale, so every runner sorts alike. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Result of loading a stack for planning. */
export type PlanConfig =
  | {
      readonly ok: true;
      readonly config: HemmaConfig;
      readonly unset: string[];
      readonly marks: Map<string, string>;
    }
  | { readonly ok: false; readonly problems: string[] };

/**
 * Reads and checks the committed `Pulumi.<stack>.yaml` for planning: secrets and {@link PLAN_FILLS}
 * replaced by placeholders, everything else checked exactly as validate does.
 */
export function loadPlanConfig(projectDir: string, stack: string): PlanConfig {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return { ok: false, problems: [`  ${file}: no such stack file`] };
  const read = readStackFile(file, `Pulumi.${stack}.yaml`, "stack");
  if (!read.entries) return { ok: false, problems: read.issues.map(formatIssue) };
  const planned = planEntries(read.entries, PLAN_FILLS, stack);
  const result = checkConfig(planned.entries, stack);
  const problems = [...read.issues, ...result.issues, ...result.pending];
  if (problems.length > 0 || !result.config) return { ok: false, problems: problems.map(formatIssue) };
  const marks = new Map<string, string>();
  for (const secret of SECRETS) marks.set(secretPlaceholder(secret.key), SECRET_MARK);
  for (const fill of PLAN_FILLS) if (planned.unset.includes(fill.path)) marks.set(fill.value, UNSET_MARK);
  return { ok: true, config: result.config, unset: planned.unset, marks };
}

/** Every secret as a secret Output holding its placeholder. */
export async function placeholderSecrets(): Promise<HemmaSecrets> {
  const pulumi = await import("@pulumi/pulumi");
  const secrets = {} as Record<SecretKey, ReturnType<typeof pulumi.secret<string>>>;
  for (const s of SECRETS) secrets[s.key] = pulumi.secret(secretPlaceholder(s.key));
  return secrets as HemmaSecrets;
}

/**
 * Runs the program for `stack` under mocks and returns the plan text. Must run in a fresh
 * process: mocks replace the Pulumi runtime of this process for good.
 */
export async function planStack(
  args: PlanArgs,
): Promise<{ ok: true; text: string } | { ok: false; message: string }> {
  const loaded = loadPlanConfig(args.projectDir, args.stack);
  if (!loaded.ok) {
    return {
      ok: false,
      message: `plan: the config of stack '${args.stack}' is invalid:\n${loaded.problems.join("\n")}`,
    };
  }
  const failures: string[] = [];
  const onFailure = (err: unknown) =>
    failures.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.on("unhandledRejection", onFailure);
  process.on("uncaughtException", onFailure);
  // The mock harness records every registration with URN, unwrapped inputs, secret paths and options.
  const { installMocks } = await import("./mock-engine");
  const harness = installMocks(args.stack);
  const { buildHemma } = await import("../stacks/hemma");
  try {
    buildHemma({ config: loaded.config, secrets: await placeholderSecrets() });
  } catch (err) {
    onFailure(err);
  }
  await harness.settle();
  let rendered: RenderedFile[] = [];
  try {
    // The same list `npm run render` writes: host and edge files the config declares.
    const { renderStackFiles } = await import("./render");
    rendered = renderStackFiles({
      host: loaded.config as unknown as HostLayerConfig,
      edge: loaded.config,
      issues: [],
    });
  } catch (err) {
    onFailure(err);
  }
  if (failures.length > 0) {
    return {
      ok: false,
      message: `plan: the program failed under mocks:\n${maskText(failures.join("\n"), loaded.marks)}`,
    };
  }
  // The harness registers under a generic project name; print the URNs `pulumi preview` shows.
  const mockPrefix = `urn:pulumi:${args.stack}::project::`;
  const urn = (u: string) =>
    u.startsWith(mockPrefix) ? `urn:pulumi:${args.stack}::${PROJECT_NAME}::${u.slice(mockPrefix.length)}` : u;
  const resources: PlannedResource[] = harness.resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: urn(r.urn),
    custom: r.custom,
    inputs: r.inputs,
    secretPaths: r.secretPaths,
    options: { ...r.options, dependencies: r.options.dependencies.map(urn) },
  }));
  return {
    ok: true,
    text: formatPlan({ stack: args.stack, unset: loaded.unset }, resources, loaded.marks, rendered),
  };
}

async function main(): Promise<number> {
  const parsed = parsePlanArgs(process.argv.slice(2), path.resolve(__dirname, ".."));
  if ("usage" in parsed) {
    (parsed.help ? process.stdout : process.stderr).write(`${parsed.usage}\n`);
    return parsed.help ? 0 : 2;
  }
  const result = await planStack(parsed);
  if (!result.ok) {
    process.stderr.write(`${result.message}\n`);
    return 1;
  }
  process.stdout.write(result.text);
  return 0;
}

if (require.main === module) {
  main().then(
    // Exit only once stdout is flushed: a pipe (the workflow's `> file`, `| diff`) is written asynchronously.
    (code) => process.stdout.write("", () => process.exit(code)),
    (err: unknown) => {
      process.stderr.write(`plan: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
