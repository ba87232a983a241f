import { z } from "zod";
import { describeValue, type Issue } from "./issue";
import { STACK_OVERRIDES } from "./overrides";
import { HEMMA_AREAS, HemmaAreasSchema, HemmaConfigSchema, type HemmaConfig } from "./schema";
import { crossAreaIssues, formatKeyPath, type KeyPath } from "./schema/cross-checks";
import { parseImageReference } from "./schema/image-reference";
import { SECRETS, isSecretKey, isSecretRequired, type SecretKey } from "./secrets";

/** Where a config value came from. */
export type EntryOrigin = "stack" | "overrides";

/** One top-level config key as read from a stack file or from the engine. */
export interface ConfigEntry {
  /** Fully qualified key, `hemma:ssh`. */
  readonly key: string;
  /** The value: a parsed structure for areas, the plaintext for secrets the program decrypted. */
  readonly value: unknown;
  /** Whether the value is stored as a Pulumi secret (`secure:`). */
  readonly secure: boolean;
  /** Which file supplied it. */
  readonly origin: EntryOrigin;
}

/** Result of checking one stack's config. */
export interface CheckResult {
  /** True when there are no issues (pending values do not count). */
  readonly ok: boolean;
  /** The parsed config, when it is valid and complete. */
  readonly config?: HemmaConfig;
  /** Problems that make the config invalid. */
  readonly issues: Issue[];
  /** Values an overrides file will supply, which is not there yet. */
  readonly pending: Issue[];
  /** Valid but worth a look (tag-only image pins, a padded commit sha). */
  readonly warnings: Issue[];
  /** Secret entries that are set, by key. */
  readonly secrets: ReadonlyMap<SecretKey, ConfigEntry>;
}

const RESERVED_NAMESPACES = ["pulumi"];
const KEY_RE = /^([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+)$/;

/**
 * Checks every top-level config entry of a stack against the schema and the secret list, and
 * returns every problem in one pass. Shared by `validateStackFile` and `loadProgramConfig`, so
 * both accept and reject exactly the same configs with the same messages.
 */
export function checkConfig(entries: readonly ConfigEntry[], stack: string): CheckResult {
  const issues: Issue[] = [];
  const areaValues: Record<string, unknown> = {};
  const secrets = new Map<SecretKey, ConfigEntry>();
  const plaintextSecrets = new Set<string>();
  const areaNames = HEMMA_AREAS as readonly string[];

  for (const entry of entries) {
    const m = KEY_RE.exec(entry.key);
    if (!m) {
      issues.push({
        path: entry.key,
        received: "a key without a namespace",
        expected: "a key of the form hemma:<name> (pulumi config set hemma:<name> ...)",
      });
      continue;
    }
    const [, namespace, name] = m as unknown as [string, string, string];
    if (RESERVED_NAMESPACES.includes(namespace)) continue;
    if (namespace !== "hemma") {
      issues.push({
        path: entry.key,
        received: entry.secure ? "a secret value" : describeValue(entry.value, false),
        expected: `no key outside the hemma: namespace (all program config lives under hemma:; provider settings are derived from it)`,
      });
      continue;
    }
    if (isSecretKey(name)) {
      if (entry.origin === "overrides" && entry.secure) {
        issues.push({
          path: entry.key,
          received: "an encrypted secure: value in the overrides file",
          expected: "a plaintext value (the overrides file is untracked and cannot hold ciphertext)",
        });
      } else if (entry.origin === "stack" && !entry.secure) {
        plaintextSecrets.add(name);
        issues.push({
          path: entry.key,
          received: `plaintext: ${describeValue(entry.value, false)}`,
          expected: `a secret: remove the plaintext and run \`pulumi config set --secret --stack ${stack} ${entry.key}\``,
        });
      } else secrets.set(name, entry);
      continue;
    }
    if (areaNames.includes(name)) {
      if (entry.secure) {
        issues.push({
          path: entry.key,
          received: "a secret value",
          expected: "a plain structured value (secrets are flat top-level keys listed in config/secrets.ts)",
        });
        continue;
      }
      areaValues[name] = entry.value;
      continue;
    }
    issues.push({
      path: entry.key,
      received: entry.secure ? "a secret value" : describeValue(entry.value, false),
      expected: `a known hemma: key${suggestion(name, [...areaNames, ...SECRETS.map((s) => s.key)])}: one of ${[
        ...areaNames,
        ...SECRETS.map((s) => s.key),
      ].join(", ")}`,
    });
  }

  const nestedSecure = findNestedSecure(areaValues);
  for (const path of nestedSecure) {
    issues.push({
      path: `hemma:${formatKeyPath(path)}`,
      received: "a secret (secure:) value inside a structured key",
      expected: "a plain value; secrets are flat top-level keys such as hemma:sshPrivateKey",
    });
  }

  const parsed = HemmaConfigSchema.safeParse(areaValues, { error: expectedFor });
  const schemaIssues: Issue[] = [];
  const seen = new Set<string>();
  const push = (issue: Issue) => {
    const id = `${issue.path}\u0000${issue.expected}`;
    if (!seen.has(id)) {
      seen.add(id);
      schemaIssues.push(issue);
    }
  };
  if (!parsed.success) {
    for (const zi of parsed.error.issues) {
      if (nestedSecure.some((p) => startsWith(zi.path, p))) continue;
      for (const issue of fromZodIssue(zi, areaValues)) push(issue);
    }
  }
  // Cross-area checks only run inside the schema once every area parses; run them on the raw
  // values too so a duplicate hostname is reported alongside unrelated errors.
  for (const ci of crossAreaIssues(HemmaAreasSchema, areaValues)) {
    push({
      path: `hemma:${formatKeyPath(ci.path)}`,
      received: describeValue(ci.input),
      expected: ci.message,
    });
  }

  const overrides = STACK_OVERRIDES[stack];
  // Values the overrides file supplies are pending, not errors, while absent from both files:
  // the tracked stack file is valid on a fresh clone, and the program refuses to run until they exist.
  const pendingPaths = overrides ? overrides.provides : [];
  const pending: Issue[] = [];
  for (const issue of schemaIssues) {
    if (pendingPaths.includes(issue.path) && issue.received === describeValue(undefined)) {
      pending.push({
        ...issue,
        expected: `${issue.expected} (supplied by ${overrides!.file}, written by \`${overrides!.writtenBy}\`)`,
      });
    } else issues.push(issue);
  }

  const config = parsed.success ? parsed.data : undefined;
  for (const secret of SECRETS) {
    if (
      secrets.has(secret.key) ||
      plaintextSecrets.has(secret.key) ||
      !isSecretRequired(secret, stack, config ?? areaValues)
    )
      continue;
    const path = `hemma:${secret.key}`;
    if (pendingPaths.includes(path)) {
      pending.push({
        path,
        received: "nothing (secret not set)",
        expected: `a secret: ${secret.description} (supplied by ${overrides!.file}, written by \`${overrides!.writtenBy}\`)`,
      });
    } else {
      issues.push({
        path,
        received: "nothing (secret not set)",
        expected: `a secret: ${secret.description}; set it with \`pulumi config set --secret --stack ${stack} ${path}\``,
      });
    }
  }

  const ok = issues.length === 0;
  return {
    ok,
    ...(ok && pending.length === 0 && config ? { config } : {}),
    issues,
    pending,
    warnings: warningsFor(areaValues),
    secrets,
  };
}

/** Phrases zod's built-in issues as "what is expected". Schema-level messages take precedence. */
function expectedFor(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      const what =
        issue.expected === "object"
          ? "a mapping of keys"
          : issue.expected === "array"
            ? "a list"
            : issue.expected === "boolean"
              ? "true or false"
              : `a ${issue.expected}`;
      return what;
    }
    case "too_small":
      return issue.origin === "array" ? `at least ${issue.minimum} items` : `a value >= ${issue.minimum}`;
    case "too_big":
      return issue.origin === "array" ? `at most ${issue.maximum} items` : `a value <= ${issue.maximum}`;
    case "invalid_value":
      return `one of: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return `a value in ${issue.format} format`;
    default:
      return "a valid value";
  }
}

function fromZodIssue(zi: z.core.$ZodIssue, root: Record<string, unknown>): Issue[] {
  if (zi.code === "unrecognized_keys") {
    const known = knownKeysAt(zi.path);
    return zi.keys.map((key) => {
      const path = [...(zi.path as KeyPath), key];
      return {
        path: `hemma:${formatKeyPath(path)}`,
        received: describeValue(valueAt(root, path), false),
        expected: `no key named '${key}' here${suggestion(key, known)}; known keys: ${known.join(", ")}`,
      };
    });
  }
  return [
    {
      path: `hemma:${formatKeyPath(zi.path as KeyPath)}`,
      received: describeValue(valueAt(root, zi.path as KeyPath)),
      expected: zi.message,
    },
  ];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

/** Keys the schema allows at `path` (an object path inside the config). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: unknown = HemmaAreasSchema;
  for (const part of [...path, null]) {
    let def = (schema as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
    while ("innerType" in def) def = (def.innerType as { _zod: { def: typeof def } })._zod.def;
    if (part === null) return def.type === "object" ? Object.keys(def.shape as object) : [];
    if (def.type === "object") schema = (def.shape as Record<PropertyKey, unknown>)[part];
    else if (def.type === "array") schema = def.element;
    else if (def.type === "record") schema = def.valueType;
    else return [];
    if (schema === undefined) return [];
  }
  return [];
}

function findNestedSecure(value: unknown, path: KeyPath = []): KeyPath[] {
  if (typeof value !== "object" || value === null) return [];
  if (path.length > 0 && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) {
    return [path];
  }
  return Object.entries(value).flatMap(([k, v]) =>
    findNestedSecure(v, [...path, Array.isArray(value) ? Number(k) : k]),
  );
}

function startsWith(path: readonly PropertyKey[], prefix: KeyPath): boolean {
  return prefix.every((p, i) => path[i] === p);
}

/** ` (did you mean 'x'?)` when one known name is within two edits of `name`. */
function suggestion(name: string, known: readonly string[]): string {
  const close = known.filter((k) => editDistance(k.toLowerCase(), name.toLowerCase()) <= 2);
  return close.length === 1 ? ` (did you mean '${close[0]}'?)` : "";
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** Valid-but-questionable values: third-party images pinned by tag only, a zero-padded commit. */
function warningsFor(areas: Record<string, unknown>): Issue[] {
  const warnings: Issue[] = [];
  const pinned: [string, unknown][] = [];
  const images = areas.images;
  if (typeof images === "object" && images !== null) {
    for (const [key, value] of Object.entries(images)) pinned.push([`hemma:images.${key}`, value]);
  }
  // Observability images are written per service; a service left at its default is not warned about.
  const observability = areas.observability;
  if (typeof observability === "object" && observability !== null) {
    for (const [service, value] of Object.entries(observability)) {
      const image = valueAt(value, ["image"]);
      if (image !== undefined) pinned.push([`hemma:observability.${service}.image`, image]);
    }
  }
  for (const [path, value] of pinned) {
    if (typeof value !== "string") continue;
    const ref = parseImageReference(value);
    if (ref?.tag && ref.tag !== "latest" && !ref.digest) {
      warnings.push({
        path,
        received: describeValue(value),
        expected: `a digest pin (${value}@sha256:<64 hex>, from \`docker buildx imagetools inspect ${value}\`); a tag can be re-pushed`,
      });
    }
  }
  const commit = valueAt(areas, ["app", "commit"]);
  if (typeof commit === "string" && /^[0-9a-f]{7,12}0{28,}$/.test(commit)) {
    warnings.push({
      path: "hemma:app.commit",
      received: describeValue(commit),
      expected: `the full sha of ${commit.replace(/0+$/, "")} (\`git rev-parse ${commit.replace(/0+$/, "")}\`): this looks like a short sha padded with zeros`,
    });
  }
  return warnings;
}
