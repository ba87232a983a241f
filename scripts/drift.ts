/**
 * `npm run drift -- <stack>`: compares the live host and DNS with the stack, writing nothing.
 * Runs `pulumi preview --refresh --expect-no-changes` through the Automation API and tells the
 * three outcomes apart by exit code and a summary line (the first line printed):
 *
 *   0  `drift: none`
 *   2  `drift: N resources changed`, then one line per resource: operation, URN, fields; below
 *      it a unified diff of a drifted file's content (only that it differs for a secret), and
 *      each undeclared file shadowing a managed one, with where `up` moves it
 *   1  `drift: error: <message>` (unreachable host, bad credentials, missing stack, ...)
 *
 * `preview` never writes a checkpoint, and with `--refresh` the refreshed state is only used for
 * the comparison, never saved (unlike `pulumi refresh`), so the scheduled run cannot change state.
 * The two sides of a line diff never pass through state or the engine: the program and the
 * dynamic provider write them into a private temp directory (providers/drift-capture.ts,
 * docs/decisions/0112), removed when the run ends.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent, OpType, Stack, StepEventMetadata } from "@pulumi/pulumi/automation";
import { captureStem, DRIFT_CAPTURE_ENV } from "../providers/drift-capture";
import { CODE_PROVIDER_NAME, PROVIDER_CODE_KEY } from "../providers/dynamic-resource";
import { BACKUP_ROOT } from "../providers/remote-file";
import { previewStack } from "./engine";
import { unifiedDiff } from "./unified-diff";

const USAGE = `usage: npm run drift -- <stack>

Runs \`pulumi preview --refresh --expect-no-changes\` for <stack> (read-only: no state is
written, the host is only read) and prints a summary line first, then the details: for each
drifted host file or unit a unified diff of its declared and live content (a secret file only
says that it differs), each file nobody declared that overrides a managed one, and the
preview with --diff.

Backend and secrets: PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE (or PULUMI_ACCESS_TOKEN)
from the environment; without PULUMI_BACKEND_URL the dev stack uses the local file backend in
.pulumi-state/ and the dev-only passphrase.

Layers: on that local dev backend only the layers \`npm run up -- dev\` applies are compared;
each layer left out (provider plugin not installed, or switched off by hemma:features) is named
on stderr with its reason. Every other stack and backend compares every layer.

exit codes:
  0  drift: none
  2  drift: N resources changed (each resource's URN and changed fields follow)
  1  drift: error: <message> (host unreachable, bad credentials, no such stack, program error)
  3  usage error`;

/** Exit code: no drift. */
export const NO_DRIFT = 0;
/** Exit code: drift found. */
export const DRIFT = 2;
/** Exit code: the check itself failed. */
export const DRIFT_ERROR = 1;
/** Exit code: bad command line (distinct from drift's 2). */
export const USAGE_ERROR = 3;

/** One resource whose live state differs from the stack. */
export interface DriftChange {
  /** What `up` would do: update, replace, create, delete, ... */
  readonly op: OpType;
  /** The resource's URN. */
  readonly urn: string;
  /** Property paths that differ, sorted; empty when the provider named none. */
  readonly fields: readonly string[];
  /** What differs, line by line (a content diff, undeclared files); absent when nothing more is known. */
  readonly details?: readonly string[];
}

/** The outcome of a drift check. */
export type DriftResult =
  | { readonly code: typeof NO_DRIFT; readonly summary: string }
  | { readonly code: typeof DRIFT; readonly summary: string; readonly changes: readonly DriftChange[] }
  | { readonly code: typeof DRIFT_ERROR; readonly summary: string; readonly errors: readonly string[] };

/** Why a change of provider code is listed: it is not the host that differs. */
const OLDER_CODE =
  "the provider code in state is an older version; up stores the new one (the host is not touched)";

/** Step operations that change nothing: equal resources, reads, and the refresh steps themselves. */
const NO_CHANGE_OPS: ReadonlySet<OpType> = new Set<OpType>(["same", "read", "refresh"]);

/** Which op names a resource when a replacement emits several steps for one URN. */
const OP_RANK: readonly OpType[] = [
  "replace",
  "create-replacement",
  "delete-replaced",
  "update",
  "create",
  "delete",
  "import",
  "import-replacement",
  "read-replacement",
  "discard",
  "discard-replaced",
  "remove-pending-replace",
];

/** The engine's own message when --expect-no-changes trips: the drift itself, not an error. */
const EXPECT_NO_CHANGES_RE = /no changes were expected\b.*\bbut changes were (proposed|found)/i;

/** The engine's closing diagnostic after resource errors: says nothing the resource errors do not. */
const GENERIC_FAILURE_RE = /^(preview|update) failed$/i;

/** Removes ANSI colour codes and collapses whitespace; keeps at most `max` characters. */
export function cleanMessage(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\u001b\[[0-9;]*m/g, "").replace(/<\{%[^%]*%\}>/g, "");
  const one = plain
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^error:\s*/i, "");
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

/** `error:` lines of a CLI failure message (the Automation API puts the CLI's stderr in it). */
export function errorLines(failure: string): string[] {
  return failure
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^error:/i.test(l) && !EXPECT_NO_CHANGES_RE.test(l))
    .map((l) => cleanMessage(l));
}

/**
 * Classifies a `preview --refresh --expect-no-changes` run from its engine events and, when the
 * CLI failed, its failure message. Pure.
 *
 * Errors win over changes: a run that could not read every resource cannot say there is no
 * drift, and a partial list of changes would look complete. Changes come from the update
 * phase's steps (`resourcePreEvent`), not from the refresh steps: a refresh that finds new
 * outputs the program does not care about (the DNS address ddclient owns) is not drift.
 */
export function classifyDrift(events: readonly EngineEvent[], failure?: string): DriftResult {
  const errors: { urn?: string; message: string }[] = [];
  for (const e of events) {
    const d = e.diagnosticEvent;
    if (d && d.severity === "error" && !EXPECT_NO_CHANGES_RE.test(d.message)) {
      const message = cleanMessage(d.message).replace(/^(Preview|Refresh) failed:\s*/i, "");
      if (message !== "") errors.push({ ...(d.urn ? { urn: d.urn } : {}), message });
    }
    if (e.resOpFailedEvent)
      errors.push({
        urn: e.resOpFailedEvent.metadata.urn,
        message: `${e.resOpFailedEvent.metadata.op} failed`,
      });
  }
  if (failure !== undefined && errors.length === 0) {
    const fromCli = errorLines(failure);
    const changesExplainFailure = EXPECT_NO_CHANGES_RE.test(failure) && fromCli.length === 0;
    if (!changesExplainFailure)
      errors.push(
        ...(fromCli.length > 0 ? fromCli : [cleanMessage(failure)]).map((message) => ({ message })),
      );
  }
  const specific = errors.filter((e) => !GENERIC_FAILURE_RE.test(e.message));
  const reported = specific.length > 0 ? specific : errors;
  if (reported.length > 0) {
    const first = reported[0]!.message;
    const same = reported.filter((e) => e.message === first && e.urn !== undefined).length;
    const lines = [...new Set(reported.map((e) => (e.urn ? `${e.urn}: ${e.message}` : e.message)))];
    return {
      code: DRIFT_ERROR,
      summary: `drift: error: ${first}${same > 1 ? ` (${same} resources)` : ""}`,
      errors: lines,
    };
  }

  const byUrn = new Map<string, { ops: Set<OpType>; fields: Set<string> }>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || NO_CHANGE_OPS.has(m.op)) continue;
    const entry = byUrn.get(m.urn) ?? { ops: new Set<OpType>(), fields: new Set<string>() };
    entry.ops.add(m.op);
    for (const f of changedFields(m)) entry.fields.add(f);
    byUrn.set(m.urn, entry);
  }
  if (byUrn.size === 0) {
    if (failure !== undefined) {
      return {
        code: DRIFT_ERROR,
        summary: `drift: error: ${cleanMessage(failure)}`,
        errors: [cleanMessage(failure)],
      };
    }
    return { code: NO_DRIFT, summary: "drift: none" };
  }
  const changes: DriftChange[] = [...byUrn.entries()]
    .map(([urn, { ops, fields }]) => ({
      op: OP_RANK.find((op) => ops.has(op)) ?? [...ops][0]!,
      urn,
      fields: [...fields].sort(),
    }))
    .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return {
    code: DRIFT,
    summary: `drift: ${changes.length} resource${changes.length === 1 ? "" : "s"} changed`,
    changes,
  };
}

/**
 * The property paths a step changes: the provider's detailed diff or changed keys when it gives
 * them (bridged providers such as Cloudflare do); otherwise (dynamic providers report none) every
 * input whose desired value differs from the refreshed live output of the same name.
 */
export function changedFields(m: StepEventMetadata): string[] {
  if (m.detailedDiff && Object.keys(m.detailedDiff).length > 0) return Object.keys(m.detailedDiff);
  if (m.diffs && m.diffs.length > 0) return [...m.diffs];
  const desired = m.new?.inputs ?? {};
  const live = m.old?.outputs ?? {};
  return Object.keys(desired).filter(
    (k) => k in live && JSON.stringify(desired[k]) !== JSON.stringify(live[k]),
  );
}

/** Type tokens of the host resources whose drift the report explains line by line. */
const HOST_FILE = "pulumi-nodejs:dynamic/host:HostFile";
const SYSTEMD_UNIT = "pulumi-nodejs:dynamic/host:SystemdUnit";

/** Whether an engine event value is a secret (the engine shows it as `{..., ciphertext: "[secret]"}`). */
function isSecretValue(v: unknown): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] !== undefined
  );
}

/** What the run captured of one host file: both sides of its content, and the fields its provider found changed. */
export type CaptureReader = (stem: string) => { declared?: string; live?: string; fields?: string[] };

/** A {@link CaptureReader} over the capture directory `dir`. */
export function captureReader(dir: string): CaptureReader {
  const read = (file: string): string | undefined => {
    try {
      return fs.readFileSync(path.join(dir, file), "utf8");
    } catch {
      return undefined;
    }
  };
  return (stem) => {
    const declared = read(`${stem}.declared`);
    const live = read(`${stem}.live`);
    const fields = read(`${stem}.fields`);
    return {
      ...(declared !== undefined ? { declared } : {}),
      ...(live !== undefined ? { live } : {}),
      ...(fields !== undefined ? { fields: JSON.parse(fields) as string[] } : {}),
    };
  };
}

/**
 * The detail lines of one drifted host resource: the content's unified diff (declared, then
 * live) unless the content is a secret, and each undeclared file with where `up` moves it. Pure.
 */
export function explainChange(
  m: StepEventMetadata,
  fields: readonly string[],
  capture: CaptureReader,
): string[] {
  const inputs = (m.new?.inputs ?? {}) as Record<string, unknown>;
  const live = (m.old?.outputs ?? {}) as Record<string, unknown>;
  const file = hostFileOf(m);
  const lines: string[] = [];
  if (fields.includes("digest") && file !== undefined) {
    const filePath = file.filePath;
    if (isSecretValue(inputs.digest)) {
      lines.push(`${filePath}: content differs; it holds a secret, so no line of it is shown`);
    } else {
      const sides = file.stem === undefined ? {} : capture(file.stem);
      if (sides.declared !== undefined && sides.live !== undefined) {
        lines.push(
          ...unifiedDiff(sides.declared, sides.live, `${filePath} (declared)`, `${filePath} (live)`),
        );
      } else {
        lines.push(`${filePath}: content differs (its lines could not be read)`);
      }
    }
  }
  const undeclared: [string, string][] = [
    ["extraUnitFiles", "unit file"],
    ["extraDropIns", "drop-in"],
    ["shadowedBy", "file overriding it"],
  ];
  for (const [field, what] of undeclared) {
    const paths = live[field];
    if (!fields.includes(field) || !Array.isArray(paths)) continue;
    for (const p of paths)
      lines.push(
        `${field}: ${String(p)} (a ${what} no resource declares; up copies it to ${BACKUP_ROOT}/<UTC time>${String(p)} and removes it)`,
      );
  }
  if (fields.includes("__provider")) lines.push(`__provider: ${OLDER_CODE}`);
  return lines;
}

/** The host file (or unit file) path and its capture stem of a host resource's step, when known. */
function hostFileOf(m: StepEventMetadata): { filePath: string; stem?: string } | undefined {
  const inputs = (m.new?.inputs ?? {}) as Record<string, unknown>;
  const conn = (inputs.connection ?? {}) as { host?: unknown; port?: unknown };
  const filePath =
    m.type === HOST_FILE
      ? inputs.path
      : typeof inputs.directory === "string" && typeof inputs.name === "string"
        ? `${inputs.directory}/${inputs.name}`
        : undefined;
  if (typeof filePath !== "string") return undefined;
  return typeof conn.host === "string" && typeof conn.port === "number"
    ? { filePath, stem: captureStem(conn.host, conn.port, filePath) }
    : { filePath };
}

/**
 * The fields of a host resource's change: those the events show, plus `digest` when the
 * provider found the content changed but the events cannot show it (a secret digest is `[secret]`).
 */
export function hostFields(
  m: StepEventMetadata,
  fields: readonly string[],
  capture: CaptureReader,
): string[] {
  const file = hostFileOf(m);
  const found = file?.stem === undefined ? undefined : capture(file.stem).fields;
  if (found?.includes("content") && !fields.includes("digest")) return [...fields, "digest"].sort();
  return [...fields];
}

/** `result` with the detail lines of each host resource's change ({@link explainChange}). */
export function explainDrift(
  result: DriftResult,
  events: readonly EngineEvent[],
  capture: CaptureReader,
): DriftResult {
  if (result.code !== DRIFT) return result;
  const byUrn = new Map<string, StepEventMetadata>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (m && !NO_CHANGE_OPS.has(m.op) && (m.type === HOST_FILE || m.type === SYSTEMD_UNIT))
      byUrn.set(m.urn, m);
  }
  return {
    ...result,
    changes: result.changes.map((c) => {
      if (
        c.urn.endsWith(`::pulumi:providers:pulumi-nodejs::${CODE_PROVIDER_NAME}`) &&
        c.fields.includes(PROVIDER_CODE_KEY)
      )
        return { ...c, details: [`${PROVIDER_CODE_KEY}: ${OLDER_CODE}`] };
      const m = byUrn.get(c.urn);
      if (m === undefined) return c;
      const fields = hostFields(m, c.fields, capture);
      const details = explainChange(m, fields, capture);
      return { ...c, fields, ...(details.length > 0 ? { details } : {}) };
    }),
  };
}

/** The lines `drift` prints: the summary first, then one line per changed resource or error. */
export function formatDrift(result: DriftResult): string[] {
  if (result.code === DRIFT) {
    return [
      result.summary,
      ...result.changes.flatMap((c) => [
        `  ${c.op} ${c.urn}${c.fields.length > 0 ? `: ${c.fields.join(", ")}` : ""}`,
        ...(c.details ?? []).map((d) => `      ${d}`),
      ]),
    ];
  }
  // One error is the summary itself; several (one per resource) are listed below it.
  if (result.code === DRIFT_ERROR)
    return result.errors.length > 1
      ? [result.summary, ...result.errors.map((e) => `  ${e}`)]
      : [result.summary];
  return [result.summary];
}

/**
 * Runs the read-only preview on `stack` and classifies it. Never throws for engine failures:
 * they become a {@link DRIFT_ERROR} result.
 *
 * @param stack an Automation API stack (selected, never created, by the caller)
 * @param onOutput receives the engine's text output, for a log
 */
export async function detectDrift(stack: Stack, onOutput?: (out: string) => void): Promise<DriftResult> {
  const events: EngineEvent[] = [];
  let failure: string | undefined;
  // Private (mkdtemp makes it 0700); the program and the provider process find it in the environment.
  const capture = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-drift-"));
  const before = process.env[DRIFT_CAPTURE_ENV];
  process.env[DRIFT_CAPTURE_ENV] = capture;
  try {
    try {
      await previewStack(stack, {
        refresh: true,
        expectNoChanges: true,
        // The log after the summary shows old and new values: what a record nobody declared is,
        // where the summary can only name the field `undeclared` (docs/decisions/0095).
        diff: true,
        color: "never",
        onEvent: (e) => events.push(e),
        ...(onOutput ? { onOutput } : {}),
      });
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    return explainDrift(classifyDrift(events, failure), events, captureReader(capture));
  } finally {
    if (before === undefined) delete process.env[DRIFT_CAPTURE_ENV];
    else process.env[DRIFT_CAPTURE_ENV] = before;
    fs.rmSync(capture, { recursive: true, force: true });
  }
}

/** Parses argv (without node and script). */
export function parseDriftArgs(
  argv: readonly string[],
): { stack: string } | { usage: string; help: boolean } {
  if (argv.includes("--help") || argv.includes("-h")) return { usage: USAGE, help: true };
  const unknown = argv.find((a) => a.startsWith("-"));
  if (unknown !== undefined) return { usage: `unknown option ${unknown}\n\n${USAGE}`, help: false };
  if (argv.length !== 1)
    return {
      usage: `${argv.length === 0 ? "missing <stack>" : `unexpected argument ${argv[1]}`}\n\n${USAGE}`,
      help: false,
    };
  const stack = argv[0]!;
  if (!/^[A-Za-z0-9_.-]+$/.test(stack))
    return { usage: `not a stack name: ${stack}\n\n${USAGE}`, help: false };
  return { stack };
}

/**
 * Whether `drift` runs only the layers this machine can run, as `npm run up` does: on the dev
 * stack's local backend, where `up` never applied a skipped layer. Elsewhere (prod, CI, any
 * PULUMI_BACKEND_URL) every layer is compared, so a layer can never silently drop out of the
 * nightly check.
 */
export function selectsLayers(stack: string, env: NodeJS.ProcessEnv): boolean {
  return stack === "dev" && !env.PULUMI_BACKEND_URL;
}

/**
 * Selects (never creates: that would write state) `stack` of this project, whose program is the
 * repository's `index.ts`. For dev without a backend URL: the local backend `npm run up` uses,
 * the dev passphrase, and the layers up applies; `onSkip` receives one line per layer left out,
 * with its reason. Otherwise backend and secrets come from the environment.
 */
export async function selectProgramStack(
  stack: string,
  onSkip: (line: string) => void = () => undefined,
): Promise<Stack> {
  const engine = await import("./engine");
  if (!selectsLayers(stack, process.env)) return engine.openProjectStack({ stackName: stack });

  const { validateStackFile } = await import("../config/load");
  const { formatIssues } = await import("../config/issue");
  const { planLayers, skipMessage } = await import("./layer-plan");
  const { layerRun, LAYERS, switchedOffMessage } = await import("./layer-program");
  const { listInstalledPlugins } = await import("./installed-plugins");
  const { SKIP_LAYERS_ENV } = await import("../stacks/layer-selection");
  const validation = validateStackFile(path.join(engine.REPO_ROOT, `Pulumi.${stack}.yaml`), stack);
  if (!validation.ok || !validation.config)
    throw new Error(formatIssues(`Pulumi.${stack}.yaml is not valid`, validation.issues));
  const decisions = planLayers(
    LAYERS,
    listInstalledPlugins(engine.ensurePulumiCli()),
    !engine.pluginsFromSharedFolder(),
  );
  const run = layerRun(decisions, validation.config);
  for (const d of decisions) if (!d.apply) onSkip(skipMessage(d));
  for (const layer of run.switchedOff) onSkip(switchedOffMessage(layer, stack));
  return engine.openProjectStack({
    stackName: stack,
    stateDir: engine.DEV_STATE_DIR,
    passphrase: process.env.PULUMI_CONFIG_PASSPHRASE ?? engine.DEV_PASSPHRASE,
    env: { [SKIP_LAYERS_ENV]: run.skipped.join(",") },
  });
}

async function main(): Promise<number> {
  const parsed = parseDriftArgs(process.argv.slice(2));
  if ("usage" in parsed) {
    (parsed.help ? process.stdout : process.stderr).write(`${parsed.usage}\n`);
    return parsed.help ? 0 : USAGE_ERROR;
  }
  let result: DriftResult;
  const log: string[] = [];
  try {
    // Never pretend a layer was checked: each one left out is named, on stderr so stdout stays the report.
    const stack = await selectProgramStack(
      parsed.stack,
      (line) => void process.stderr.write(`drift: ${line}\n`),
    );
    result = await detectDrift(stack, (out) => log.push(out));
  } catch (err) {
    // Selecting the stack failed (no such stack, backend or passphrase trouble): no engine events.
    result = classifyDrift([], err instanceof Error ? err.message : String(err));
  }
  process.stdout.write(`${formatDrift(result).join("\n")}\n`);
  // The engine's own preview text follows the summary, for whoever needs the detail.
  if (log.length > 0)
    process.stdout.write(`\n--- pulumi preview --refresh --expect-no-changes --diff ---\n${log.join("")}`);
  return result.code;
}

if (require.main === module) {
  main().then(
    // Exit only once stdout is flushed: a pipe (the workflow's `> file`, `| diff`) is written asynchronously.
    (code) => process.stdout.write("", () => process.exit(code)),
    (err: unknown) => {
      process.stdout.write(
        `drift: error: ${cleanMessage(err instanceof Error ? err.message : String(err))}\n`,
      );
      process.exit(DRIFT_ERROR);
    },
  );
}
