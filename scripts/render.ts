/**
 * `npm run render -- <stack> <dir>`: writes every host file the stack declares under `<dir>`,
 * mirroring host paths and modes, with the same renderers the components use.
 */
import * as fs from "fs";
import * as path from "path";
import { formatIssue, type Issue } from "../config/issue";
import { validateStackFile } from "../config/load";
import { appSchema } from "../config/schema/app";
import { dockerSchema } from "../config/schema/docker";
import { hostSchema } from "../config/schema/host";
import { featuresSchema } from "../config/schema/features";
import { enabledServices, observabilitySchema } from "../config/schema/observability";
import { postgresSchema } from "../config/schema/postgres";
import { proxySchema } from "../config/schema/proxy";
import type { HemmaConfig } from "../config/schema";
import { readStackFile } from "../config/stack-file";
import { renderEdge } from "../render/edge";
import { hostRenderArgs, type HostLayerConfig } from "../render/host/from-config";
import { allHostFiles, renderHost } from "../render/host";
import { allObservabilityFiles, renderObservability } from "../render/observability";
import { observabilityRenderArgs, type ObservabilityLayerConfig } from "../render/observability/from-config";
import type { RenderedFile } from "../render/types";

const USAGE = `usage: npm run render -- <stack> <dir> [--file <path>]

Renders every host file stack <stack> declares (Pulumi.<stack>.yaml, or the file given with
--file) and writes it under <dir>, mirroring host paths and modes (e.g.
<dir>/etc/systemd/system/heartbeat-log.timer), so it can be reviewed and checked with real
validators. Host files need only the host, docker, postgres and app areas, observability's
config files (Prometheus, alert rules, Loki, Promtail, Grafana) also the observability, proxy
and features areas; edge files
(sshd, ufw, fail2ban, nginx snippets) need the whole config to be valid and are skipped, with a
note, while it is not (e.g. prod before the operator values are set).

exit codes:
  0  files written (a note says when edge files were skipped)
  1  the config areas the host files need are invalid, or a file could not be written
  2  usage error`;

/** The areas host rendering parses, with their schemas. */
const HOST_AREAS = {
  host: hostSchema,
  docker: dockerSchema,
  postgres: postgresSchema,
  app: appSchema,
} as const;

/** The areas observability's config files need besides the host areas. */
const OBSERVABILITY_AREAS = {
  observability: observabilitySchema.prefault({}),
  proxy: proxySchema,
  features: featuresSchema,
} as const;

/** The observability files' config, with the switches that decide whether the layer runs. */
export type ObservabilityRenderConfig = ObservabilityLayerConfig & {
  readonly features: { readonly docker: boolean; readonly host: boolean };
};

/** What {@link loadRenderConfig} found. */
export interface RenderConfig {
  /** Host layer config, when its areas parse. */
  readonly host?: HostLayerConfig;
  /** Observability config, when its areas parse too. */
  readonly observability?: ObservabilityRenderConfig;
  /** The whole validated config, when the stack file is valid (edge renderers need it). */
  readonly full?: HemmaConfig;
  /** Problems with the host areas. */
  readonly issues: Issue[];
  /** Why edge files cannot be rendered, when they cannot. */
  readonly edgeSkipped?: string;
}

/**
 * Reads a stack file; parses the four areas host rendering needs on their own, so the host
 * files render even while unrelated keys (operator values, secrets) are still missing.
 */
export function loadRenderConfig(file: string, stack: string): RenderConfig {
  const read = readStackFile(file, file, "stack");
  if (!read.entries) return { issues: read.issues };
  const issues: Issue[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [area, schema] of Object.entries({ ...HOST_AREAS, ...OBSERVABILITY_AREAS })) {
    const key = `hemma:${area}`;
    const entry = read.entries.find((e) => e.key === key);
    const result = schema.safeParse(entry?.value);
    if (result.success) parsed[area] = result.data;
    else {
      for (const zi of result.error.issues) {
        issues.push({
          path: [key, ...zi.path.map(String)].join("."),
          received:
            entry === undefined ? "nothing (key is missing)" : JSON.stringify(valueAt(entry.value, zi.path)),
          expected: zi.message,
        });
      }
    }
  }
  if (issues.length > 0) return { issues };
  const full = validateStackFile(file, stack);
  return {
    host: parsed as unknown as HostLayerConfig,
    observability: parsed as unknown as ObservabilityRenderConfig,
    issues,
    ...(full.ok && full.config
      ? { full: full.config }
      : {
          edgeSkipped: `${full.issues.length} problem(s) elsewhere in the config (npm run validate -- ${stack})`,
        }),
  };
}

function valueAt(value: unknown, keyPath: readonly PropertyKey[]): unknown {
  let v = value;
  for (const k of keyPath)
    v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/**
 * Every file the stack places: host files, observability's config files when the layer runs
 * (docker and host features on, a service enabled), plus edge files when the whole config is valid.
 */
export function renderStackFiles(cfg: RenderConfig): RenderedFile[] {
  if (!cfg.host) return [];
  const host = allHostFiles(renderHost(hostRenderArgs(cfg.host)));
  const o = cfg.observability;
  const observability =
    o && o.features.docker && o.features.host && enabledServices(o.observability).length > 0
      ? allObservabilityFiles(renderObservability(observabilityRenderArgs(o)))
      : [];
  const edge = cfg.full ? renderEdge(cfg.full) : [];
  const seen = new Set<string>();
  for (const f of [...host, ...observability, ...edge]) {
    if (seen.has(f.path)) throw new Error(`two renderers produce ${f.path}`);
    seen.add(f.path);
  }
  return [...host, ...observability, ...edge];
}

/** Writes files under `dir` at their host paths with their modes; returns the paths written. */
export function writeRenderedFiles(files: readonly RenderedFile[], dir: string): string[] {
  const written: string[] = [];
  for (const f of files) {
    if (!f.path.startsWith("/") || f.path.split("/").includes(".."))
      throw new Error(`not an absolute host path: ${f.path}`);
    const target = path.join(dir, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.content);
    fs.chmodSync(target, parseInt(f.mode, 8));
    written.push(target);
  }
  return written;
}

/** The CLI: parses argv (without node and script), renders, prints; returns the exit code. */
export function main(argv: readonly string[]): number {
  const positional: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      return 0;
    }
    if (arg === "--file") file = argv[++i];
    else if (arg.startsWith("--file=")) file = arg.slice("--file=".length);
    else if (arg.startsWith("-")) {
      console.error(`unknown option ${arg}\n\n${USAGE}`);
      return 2;
    } else positional.push(arg);
  }
  if (positional.length !== 2 || (file === undefined && argv.includes("--file"))) {
    console.error(`expected <stack> and <dir>\n\n${USAGE}`);
    return 2;
  }
  const [stack, dir] = positional as [string, string];
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    console.error(`not a stack name: ${stack}\n\n${USAGE}`);
    return 2;
  }
  const stackFile = file ?? `Pulumi.${stack}.yaml`;
  const cfg = loadRenderConfig(stackFile, stack);
  if (!cfg.host) {
    console.error([`${stackFile}: cannot render host files:`, ...cfg.issues.map(formatIssue)].join("\n"));
    return 1;
  }
  let written: string[];
  try {
    written = writeRenderedFiles(renderStackFiles(cfg), dir);
  } catch (err) {
    console.error(`render failed: ${(err as Error).message}`);
    return 1;
  }
  for (const w of written) console.log(path.relative(process.cwd(), w) || w);
  console.log(`${written.length} file(s) written under ${dir}`);
  if (cfg.edgeSkipped) console.log(`note: edge files skipped: ${cfg.edgeSkipped}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
