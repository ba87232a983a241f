/**
 * `npm run render -- <stack> <dir>`: writes every host file the stack declares under `<dir>`,
 * mirroring host paths and modes, with the same renderers the components use.
 */
import * as fs from "fs";
import * as path from "path";
import type { ZodType } from "zod";
import { formatIssue, type Issue } from "../config/issue";
import { appSchema } from "../config/schema/app";
import { dockerSchema } from "../config/schema/docker";
import { hostSchema } from "../config/schema/host";
import { featuresSchema } from "../config/schema/features";
import { enabledServices, observabilitySchema } from "../config/schema/observability";
import { postgresSchema } from "../config/schema/postgres";
import { proxySchema } from "../config/schema/proxy";
import { edgeSchema } from "../config/schema/edge";
import type { HemmaConfig } from "../config/schema";
import { readStackFile } from "../config/stack-file";
import { edgeFilesLeftOut, renderEdge } from "../render/edge";
import { hostRenderArgs, type HostLayerConfig } from "../render/host/from-config";
import { allHostFiles, renderHost } from "../render/host";
import { allObservabilityFiles, renderObservability } from "../render/observability";
import { observabilityRenderArgs, type ObservabilityLayerConfig } from "../render/observability/from-config";
import type { RenderedFile } from "../render/types";

const USAGE = `usage: npm run render -- <stack> <dir> [--file <path>]

Renders every host file stack <stack> declares (Pulumi.<stack>.yaml, or the file given with
--file) and writes it under <dir>, mirroring host paths and modes (e.g.
<dir>/etc/systemd/system/heartbeat-log.timer), so it can be reviewed and checked with real
validators. Each file needs only the config areas it is made from, so missing secrets or
operator values elsewhere keep nothing from rendering: host files need the host, docker,
postgres and app areas; observability's config files (Prometheus, alert rules, Loki, Promtail,
Grafana) also the observability, proxy and features areas; edge files (sshd drop-in, fail2ban,
nginx vhost.d snippets) the edge and proxy areas. Files made from a secret (the htpasswd files)
are never written: a note names each one left out and why, and one names the problems when an
area is invalid.

exit codes:
  0  files written (notes name each file left out and why)
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

/** The areas edge files need. */
const EDGE_AREAS = {
  edge: edgeSchema.prefault({}),
  proxy: proxySchema,
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
  /** The edge and proxy areas, when they parse (edge renderers need nothing else). */
  readonly edge?: Pick<HemmaConfig, "edge" | "proxy">;
  /** Problems with the host areas. */
  readonly issues: Issue[];
  /** Why edge files cannot be rendered, when they cannot: the edge or proxy area's problems. */
  readonly edgeSkipped?: string;
}

/** Parses `areas` of the stack file's entries on their own; returns the values and the problems. */
function parseAreas(
  entries: readonly { key: string; value: unknown }[],
  areas: Record<string, ZodType>,
): { parsed: Record<string, unknown>; issues: Issue[] } {
  const parsed: Record<string, unknown> = {};
  const issues: Issue[] = [];
  for (const [area, schema] of Object.entries(areas)) {
    const key = `hemma:${area}`;
    const entry = entries.find((e) => e.key === key);
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
  return { parsed, issues };
}

/**
 * Reads a stack file; parses the areas each kind of file needs on their own, so files render
 * even while unrelated keys (operator values, secrets) are still missing. The stack's overrides
 * file (dev's sandbox values) is merged as the program merges it.
 */
export function loadRenderConfig(file: string, stack: string): RenderConfig {
  const read = readStackFile(file, file, "stack");
  if (!read.entries) return { issues: read.issues };
  const host = parseAreas(read.entries, { ...HOST_AREAS, ...OBSERVABILITY_AREAS });
  if (host.issues.length > 0) return { issues: host.issues };
  const edge = parseAreas(read.entries, EDGE_AREAS);
  return {
    host: host.parsed as unknown as HostLayerConfig,
    observability: host.parsed as unknown as ObservabilityRenderConfig,
    issues: [],
    ...(edge.issues.length === 0
      ? { edge: edge.parsed as unknown as Pick<HemmaConfig, "edge" | "proxy"> }
      : {
          edgeSkipped: `hemma:edge or hemma:proxy is invalid (${edge.issues.length} problem${edge.issues.length === 1 ? "" : "s"}; npm run validate -- ${stack}): ${edge.issues.map((i) => formatIssue(i).trim()).join("; ")}`,
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
  const edge = cfg.edge ? renderEdge(cfg.edge) : [];
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
  for (const f of cfg.edge ? edgeFilesLeftOut(cfg.edge) : [])
    console.log(`note: left out ${f.path}: ${f.reason}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
