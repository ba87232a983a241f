import { z } from "zod";
import { dnsCrossIssues } from "./dns";
import { publicHostnameRegistry } from "./hostname";
import { observabilityCrossIssues } from "./observability";

/** A key path inside the `hemma:` namespace, e.g. `["domains", "app"]`. */
export type KeyPath = readonly (string | number)[];

/** A problem that involves more than one area. */
export interface CrossAreaIssue {
  /** Where the problem is reported. */
  readonly path: KeyPath;
  /** The value found there. */
  readonly input: unknown;
  /** What was expected instead. */
  readonly message: string;
}

/** One public hostname found in a config value, with where it was found. */
export interface FoundHostname {
  /** Key path of the value. */
  readonly path: KeyPath;
  /** The hostname. */
  readonly hostname: string;
}

/** Renders a key path as `a.b[0].c`. */
export function formatKeyPath(path: KeyPath): string {
  return path.reduce<string>(
    (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc === "" ? part : `${acc}.${part}`),
    "",
  );
}

/**
 * Every string in `value` whose schema is marked as a public hostname, found by walking the
 * schema and the value together. Works on raw (unparsed) input: parts that do not have the
 * expected shape are skipped.
 */
export function collectPublicHostnames(
  schema: z.ZodType,
  value: unknown,
  path: KeyPath = [],
): FoundHostname[] {
  if (publicHostnameRegistry.has(schema)) {
    return typeof value === "string" ? [{ path, hostname: value }] : [];
  }
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case "object": {
      if (!isPlainObject(value)) return [];
      const shape = def.shape as Record<string, z.ZodType>;
      return Object.keys(shape).flatMap((key) =>
        collectPublicHostnames(shape[key]!, value[key], [...path, key]),
      );
    }
    case "array":
      return Array.isArray(value)
        ? value.flatMap((item, i) => collectPublicHostnames(def.element as z.ZodType, item, [...path, i]))
        : [];
    case "record":
      return isPlainObject(value)
        ? Object.keys(value).flatMap((key) =>
            collectPublicHostnames(def.valueType as z.ZodType, value[key], [...path, key]),
          )
        : [];
    case "default":
    case "prefault":
    case "optional":
    case "nullable":
    case "readonly":
    case "nonoptional":
    case "catch":
      return collectPublicHostnames(def.innerType as z.ZodType, value, path);
    case "pipe":
      return collectPublicHostnames(def.in as z.ZodType, value, path);
    case "lazy":
      return collectPublicHostnames((def.getter as () => z.ZodType)(), value, path);
    case "union": {
      const seen = new Set<string>();
      return (def.options as z.ZodType[])
        .flatMap((option) => collectPublicHostnames(option, value, path))
        .filter((found) => {
          const key = formatKeyPath(found.path);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
    }
    default:
      return [];
  }
}

/** Each public hostname used at more than one key path: one issue per later use, naming the first. */
export function duplicateHostnameIssues(found: readonly FoundHostname[]): CrossAreaIssue[] {
  const firstPath = new Map<string, KeyPath>();
  const issues: CrossAreaIssue[] = [];
  for (const { path, hostname } of found) {
    const first = firstPath.get(hostname);
    if (first) {
      issues.push({
        path,
        input: hostname,
        message: `a public hostname not already used at hemma:${formatKeyPath(first)} (each public name may appear once)`,
      });
    } else firstPath.set(hostname, path);
  }
  return issues;
}

/**
 * Checks that span areas, on raw or parsed config: duplicate public hostnames anywhere, and
 * `proxy.defaultHost` naming one of the public hostnames, the DNS records, and observability's
 * links to the edge, the app and the features.
 */
export function crossAreaIssues(schema: z.ZodType, config: unknown): CrossAreaIssue[] {
  const found = collectPublicHostnames(schema, config);
  const issues = duplicateHostnameIssues(found);
  const defaultHost =
    isPlainObject(config) && isPlainObject(config.proxy) ? config.proxy.defaultHost : undefined;
  if (typeof defaultHost === "string" && found.length > 0 && !found.some((f) => f.hostname === defaultHost)) {
    issues.push({
      path: ["proxy", "defaultHost"],
      input: defaultHost,
      message: `one of the public hostnames: ${[...new Set(found.map((f) => f.hostname))].join(", ")}`,
    });
  }
  issues.push(...dnsCrossIssues(config));
  issues.push(...observabilityCrossIssues(config));
  return issues;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
