import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { checkConfig, type CheckResult, type ConfigEntry } from "./check";
import { formatIssues, type Issue } from "./issue";
import { STACK_OVERRIDES } from "./overrides";
import { HEMMA_AREAS, type HemmaConfig } from "./schema";
import { SECRETS, isSecretKey, type HemmaSecrets, type SecretKey } from "./secrets";
import { mergeEntries, readStackFile } from "./stack-file";

export type { Issue } from "./issue";

/** Result of {@link validateStackFile}. */
export interface StackValidation extends Omit<CheckResult, "secrets"> {
  /** The overrides file that was merged, if any. */
  readonly overridesFile?: string;
}

/** Options of {@link validateStackFile}. */
export interface ValidateOptions {
  /**
   * Overrides file to merge. Default: the stack's file from `STACK_OVERRIDES`, resolved next to
   * the stack file, merged when it exists. `null` merges nothing.
   */
  readonly overridesFile?: string | null;
}

/**
 * Validates `Pulumi.<stack>.yaml` without the Pulumi engine: reads the file (and the stack's
 * overrides file), and reports every problem in one pass. Never throws.
 *
 * @param filePath path of the stack file, as the user gave it (used in messages)
 * @param stackName the stack the file belongs to (decides required secrets and overrides)
 */
export function validateStackFile(
  filePath: string,
  stackName: string,
  options: ValidateOptions = {},
): StackValidation {
  const read = readStackFile(filePath, filePath, "stack");
  if (!read.entries) return { ok: false, issues: read.issues, pending: [], warnings: [] };

  const overridesFile =
    options.overridesFile === undefined
      ? defaultOverridesFile(path.dirname(filePath), stackName)
      : options.overridesFile;
  let entries = read.entries;
  const fileIssues: Issue[] = [...read.issues];
  let overridesPresent = false;
  if (overridesFile && fs.existsSync(overridesFile)) {
    overridesPresent = true;
    const over = readStackFile(overridesFile, overridesFile, "overrides");
    fileIssues.push(...over.issues);
    if (over.entries) entries = mergeEntries(entries, over.entries);
  }
  const result = checkConfig(entries, stackName);
  const issues = [...fileIssues, ...result.issues];
  const ok = issues.length === 0;
  return {
    ok,
    ...(ok && result.config ? { config: result.config } : {}),
    issues,
    pending: result.pending,
    warnings: result.warnings,
    ...(overridesPresent && overridesFile ? { overridesFile } : {}),
  };
}

/** Environment variable naming another overrides file for a stack that has one (a second sandbox's). */
export const OVERRIDES_FILE_ENV = "HEMMA_OVERRIDES_FILE";

/**
 * The overrides file of `stack`: `HEMMA_OVERRIDES_FILE` when set, else the stack's file under
 * `projectDir`; undefined when the stack has none (prod never takes one, whatever the env says).
 */
export function defaultOverridesFile(
  projectDir: string,
  stack: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const overrides = STACK_OVERRIDES[stack];
  if (!overrides) return undefined;
  const fromEnv = env[OVERRIDES_FILE_ENV];
  return fromEnv ? path.resolve(fromEnv) : path.join(projectDir, overrides.file);
}

/** What the Pulumi program builds from. */
export interface ProgramConfig {
  /** The validated, defaults-applied non-secret config. */
  readonly config: HemmaConfig;
  /** Every secret, as a secret Output. */
  readonly secrets: HemmaSecrets;
}

/** Options of {@link loadProgramConfig}; the defaults are right inside `pulumi up`. */
export interface LoadProgramOptions {
  /** Stack name. Default `pulumi.getStack()`. */
  readonly stack?: string;
  /** Project directory (where the overrides file is looked up). Default `process.cwd()`. */
  readonly projectDir?: string;
}

/**
 * Loads the `hemma:` config inside the Pulumi program: reads every key from the engine, merges
 * the stack's overrides file, checks it with the same rules as `validate`, and throws one Error
 * listing every problem. Secrets come back as secret Outputs (`requireSecret`), never plain strings.
 */
export function loadProgramConfig(options: LoadProgramOptions = {}): ProgramConfig {
  const stack = options.stack ?? pulumi.getStack();
  const projectDir = options.projectDir ?? process.cwd();
  const cfg = new pulumi.Config("hemma");
  const all = pulumi.runtime.allConfig();
  const isSecret = engineSecretCheck();

  const entries: ConfigEntry[] = Object.keys(all).map((key) => {
    const name = key.startsWith("hemma:") ? key.slice("hemma:".length) : undefined;
    const secure = isSecret(key);
    if (name !== undefined && (HEMMA_AREAS as readonly string[]).includes(name)) {
      return { key, value: parseStructured(cfg.get(name)), secure, origin: "stack" };
    }
    // Secret values are read below with requireSecret; entries only need to know they exist.
    return { key, value: secure ? undefined : all[key], secure, origin: "stack" };
  });

  const overridesFile = defaultOverridesFile(projectDir, stack);
  const fileIssues: Issue[] = [];
  let merged = entries;
  if (overridesFile && fs.existsSync(overridesFile)) {
    const over = readStackFile(overridesFile, overridesFile, "overrides");
    fileIssues.push(...over.issues);
    if (over.entries) merged = mergeEntries(entries, over.entries);
  }

  const result = checkConfig(merged, stack);
  const problems = [...fileIssues, ...result.issues, ...result.pending];
  if (problems.length > 0 || !result.config) {
    throw new Error(
      formatIssues(
        `hemma: the config of stack '${stack}' has ${problems.length} problem${problems.length === 1 ? "" : "s"} ` +
          `(\`npm run validate -- ${stack}\` shows the same list):`,
        problems,
      ),
    );
  }

  const secrets = {} as Record<SecretKey, pulumi.Output<string>>;
  for (const secret of SECRETS) {
    const entry = result.secrets.get(secret.key);
    secrets[secret.key] =
      entry === undefined
        ? pulumi.secret("")
        : entry.origin === "overrides"
          ? pulumi.secret(String(entry.value))
          : cfg.requireSecret(secret.key);
  }
  return { config: result.config, secrets };
}

/** Structured config arrives from the engine as JSON text; anything else stays a string for the schema to reject. */
function parseStructured(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Whether the engine marked a key secret. `isConfigSecret` is exported by the runtime but not
 * declared in its typings; without it (another SDK version) plaintext secrets cannot be detected
 * here, and `validate` remains the check that catches them.
 */
function engineSecretCheck(): (key: string) => boolean {
  const fn = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
  return typeof fn === "function"
    ? fn
    : (key) => key.startsWith("hemma:") && isSecretKey(key.slice("hemma:".length));
}
