/**
 * The real Pulumi engine on our machines, driven through the Automation API: the CLI from
 * `scripts/ensure-pulumi.sh` (PATH or a cached Go build, with the plugins and language host of
 * `../shared/pulumi` when that folder exists), a local file backend, a passphrase secrets
 * provider, and the Node.js dynamic-provider plugin that the Go-built CLI does not ship. The
 * project's own program (`index.ts`) runs through the language host ({@link openProjectStack});
 * tests of single providers use inline programs ({@link openInlineStack}).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  LocalWorkspace,
  PulumiCommand,
  type PreviewOptions,
  type PreviewResult,
  type PulumiFn,
  type Stack,
} from "@pulumi/pulumi/automation";

/** Repository root (this file lives in `scripts/`). */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** Where `npm run up -- dev` and `npm run drift -- dev` keep the dev stack's local file backend. */
export const DEV_STATE_DIR = path.join(REPO_ROOT, ".pulumi-state", "backend");

/** Pulumi project name of the program. */
export const PROJECT_NAME = "hemma";

/** Passphrase of the dev and test stacks' secrets provider. Never used for prod state. */
export const DEV_PASSPHRASE = "hemma-dev-only";

/** Name of the plugin executable the engine starts for `pulumi.dynamic.Resource` providers. */
export const NODEJS_PROVIDER_PLUGIN = "pulumi-resource-pulumi-nodejs";

/** Environment variable the plugin shim reads for the dynamic-provider entry point. */
export const DYNAMIC_PROVIDER_ENV = "HEMMA_PULUMI_DYNAMIC_PROVIDER";

/** Environment variable the plugin shim reads for a module node preloads (`-r`) in the provider process. */
export const DYNAMIC_PROVIDER_PRELOAD_ENV = "HEMMA_PULUMI_DYNAMIC_PROVIDER_PRELOAD";

/** The preload that keeps `@pulumi/pulumi` from loading TypeScript and arborist until used (runtime/lazy-sdk-deps.js). */
export const LAZY_SDK_DEPS = path.join(REPO_ROOT, "runtime", "lazy-sdk-deps.js");

/**
 * The folder of provider plugins and the language host built for machines without plugin
 * downloads (`HEMMA_SHARED_PULUMI`, default `<repo>/../shared/pulumi`; docs/decisions/0034).
 */
export function sharedPulumiDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HEMMA_SHARED_PULUMI ?? path.resolve(REPO_ROOT, "..", "shared", "pulumi");
}

/**
 * Whether this machine installs its plugins from {@link sharedPulumiDir}: then nothing may be
 * downloaded (a missing plugin fails at once); elsewhere Pulumi acquires plugins itself.
 */
export function pluginsFromSharedFolder(env: NodeJS.ProcessEnv = process.env): boolean {
  return fs.existsSync(path.join(sharedPulumiDir(env), "SHA256SUMS.binaries"));
}

/**
 * Path of a Pulumi CLI: `pulumi` from PATH, else the cached Go build (built on first use; the
 * build takes several minutes and its progress goes to stderr), with the shared folder's plugins
 * and language host installed and the dynamic-provider shim next to it. Throws when none can be had.
 */
export function ensurePulumiCli(): string {
  const out = execFileSync("bash", [path.join(REPO_ROOT, "scripts", "ensure-pulumi.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const cli = out.trim().split("\n").pop() ?? "";
  if (!path.isAbsolute(cli) || !fs.existsSync(cli))
    throw new Error(`ensure-pulumi.sh printed no usable CLI path: ${JSON.stringify(out)}`);
  ensureNodejsProviderPlugin(cli);
  return cli;
}

/**
 * Text of the `pulumi-resource-pulumi-nodejs` shim. Like the script in `@pulumi/pulumi`, it runs
 * the SDK's dynamic-provider entry point with the engine's arguments; the entry point comes from
 * `HEMMA_PULUMI_DYNAMIC_PROVIDER` (set by {@link openInlineStack} to this checkout's SDK, so the
 * provider code is deserialized by the SDK that serialized it), else from the working directory.
 * `HEMMA_PULUMI_DYNAMIC_PROVIDER_PRELOAD`, when set, is preloaded: the provider process then
 * starts without the SDK's TypeScript and arborist (docs/decisions/0110).
 */
export function nodejsProviderShim(): string {
  return `#!/bin/sh
# Written by hemma-infra scripts/engine.ts: the Go-built Pulumi CLI ships no Node.js plugins.
script="\${${DYNAMIC_PROVIDER_ENV}:-}"
if [ -z "$script" ]; then
  script=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))") || exit 1
fi
preload="\${${DYNAMIC_PROVIDER_PRELOAD_ENV}:-}"
if [ -n "$preload" ]; then
  exec node -r "$preload" "$script" "$@"
fi
exec node "$script" "$@"
`;
}

/**
 * Writes the dynamic-provider plugin shim next to the CLI (the Automation API puts the CLI's
 * directory first on the engine's PATH, where plugin lookup finds it). An official install
 * already ships its own script there, which is left alone: it resolves the SDK through
 * `NODE_PATH` (see {@link engineEnv}). Rewrites our shim only when its text differs, so
 * concurrent runs do not race on an unchanged file. Returns the plugin's path.
 */
export function ensureNodejsProviderPlugin(cliPath: string): string {
  const shim = path.join(path.dirname(cliPath), NODEJS_PROVIDER_PLUGIN);
  const text = nodejsProviderShim();
  const current = fs.existsSync(shim) ? fs.readFileSync(shim, "utf8") : undefined;
  if (current !== undefined && !current.includes("hemma-infra")) return shim;
  if (current !== text) {
    const tmp = `${shim}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o755 });
    fs.renameSync(tmp, shim);
  }
  return shim;
}

/** Where the dynamic-provider entry point of this checkout's `@pulumi/pulumi` lives. */
export function dynamicProviderEntry(): string {
  return require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [REPO_ROOT] });
}

/**
 * Environment of every engine run: local file backend, passphrase secrets, no update check, no
 * automatic plugin download where the shared folder supplies the plugins (a missing plugin must
 * fail at once, not hang on the network), the language host's TypeScript transpiled without a
 * type check (`tsc --noEmit` in CI checks types; docs/decisions/0034), and this checkout's
 * `node_modules` on `NODE_PATH`: inline programs run plugins from a temp directory, where the
 * dynamic provider could not otherwise resolve the SDK or `ssh2`.
 */
export function engineEnv(stateDir: string, passphrase: string): Record<string, string> {
  return {
    PULUMI_BACKEND_URL: `file://${path.resolve(stateDir)}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    ...(pluginsFromSharedFolder() ? { PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" } : {}),
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    [DYNAMIC_PROVIDER_ENV]: dynamicProviderEntry(),
    [DYNAMIC_PROVIDER_PRELOAD_ENV]: LAZY_SDK_DEPS,
    NODE_PATH: [path.join(REPO_ROOT, "node_modules"), process.env.NODE_PATH]
      .filter(Boolean)
      .join(path.delimiter),
  };
}

/** Options of {@link openInlineStack}. */
export interface InlineStackOptions {
  /** Stack name (`dev`, or a unique name per test run). */
  readonly stackName: string;
  /** The inline program: registers resources, returns outputs. */
  readonly program: PulumiFn;
  /** Directory of the local file backend; created if missing. */
  readonly stateDir: string;
  /** Secrets passphrase. Default {@link DEV_PASSPHRASE}. */
  readonly passphrase?: string;
  /** Work directory holding `Pulumi.yaml` and `Pulumi.<stack>.yaml` (stack config). Default: a new temp dir. */
  readonly workDir?: string;
}

/**
 * Creates or selects `stackName` of project `hemma` with an inline program on a local file
 * backend, using the cached CLI and the dynamic-provider shim. Builds the CLI if needed.
 */
export async function openInlineStack(opts: InlineStackOptions): Promise<Stack> {
  const cli = ensurePulumiCli();
  fs.mkdirSync(opts.stateDir, { recursive: true });
  const pulumiCommand = await PulumiCommand.get({
    root: path.dirname(path.dirname(cli)),
    skipVersionCheck: true,
  });
  const envVars = engineEnv(opts.stateDir, opts.passphrase ?? DEV_PASSPHRASE);
  return LocalWorkspace.createOrSelectStack(
    { stackName: opts.stackName, projectName: PROJECT_NAME, program: opts.program },
    {
      pulumiCommand,
      envVars,
      ...(opts.workDir !== undefined ? { workDir: opts.workDir } : {}),
      projectSettings: {
        name: PROJECT_NAME,
        runtime: "nodejs",
        backend: { url: envVars.PULUMI_BACKEND_URL! },
      },
    },
  );
}

/** Options of {@link openProjectStack}. */
export interface ProjectStackOptions {
  /** Stack name (`dev`). */
  readonly stackName: string;
  /**
   * Directory of a local file backend (created if missing), used with `passphrase`. Absent: the
   * backend and secrets provider come from the caller's environment (`PULUMI_BACKEND_URL`,
   * `PULUMI_CONFIG_PASSPHRASE` or `PULUMI_ACCESS_TOKEN`), as for prod.
   */
  readonly stateDir?: string;
  /** Secrets passphrase with `stateDir`. Default {@link DEV_PASSPHRASE}. */
  readonly passphrase?: string;
  /** Create the stack when the backend has none. Default false: selecting only never writes state. */
  readonly create?: boolean;
  /** More environment for the program (`HEMMA_SKIP_LAYERS`, `HEMMA_OVERRIDES_FILE`). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Environment for a run of the project's program whose backend comes from the caller: the
 * caller's environment plus what the program's plugins need ({@link engineEnv} minus backend
 * and passphrase).
 */
export function callerBackendEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const engine: Record<string, string> = engineEnv(".", "");
  delete engine.PULUMI_BACKEND_URL;
  delete engine.PULUMI_CONFIG_PASSPHRASE;
  const pass = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return {
    ...pass,
    ...engine,
    NODE_PATH: [engine.NODE_PATH, env.NODE_PATH].filter(Boolean).join(path.delimiter),
  };
}

/**
 * Selects (or creates) `stackName` of the project in this checkout, exactly as `pulumi up
 * --stack <name>` in the repository runs it: `Pulumi.yaml` says runtime nodejs, the language
 * host runs `index.ts`, and the stack config is the tracked `Pulumi.<stack>.yaml`.
 */
export async function openProjectStack(opts: ProjectStackOptions): Promise<Stack> {
  const cli = ensurePulumiCli();
  if (opts.stateDir !== undefined) fs.mkdirSync(opts.stateDir, { recursive: true });
  const pulumiCommand = await PulumiCommand.get({
    root: path.dirname(path.dirname(cli)),
    skipVersionCheck: true,
  });
  const base =
    opts.stateDir === undefined
      ? callerBackendEnv()
      : engineEnv(opts.stateDir, opts.passphrase ?? DEV_PASSPHRASE);
  const envVars = { ...base, ...opts.env };
  const args = { stackName: opts.stackName, workDir: REPO_ROOT };
  const ws = { pulumiCommand, envVars };
  return opts.create ? LocalWorkspace.createOrSelectStack(args, ws) : LocalWorkspace.selectStack(args, ws);
}

/** The engine's switch that serializes a deployment once at the end instead of after every step. */
export const SKIP_CHECKPOINTS_ENV = "PULUMI_SKIP_CHECKPOINTS";

/**
 * `stack.preview(opts)` with {@link SKIP_CHECKPOINTS_ENV} set for that run only. A preview's
 * snapshot manager discards every checkpoint, yet by default still serializes the whole
 * deployment after each step: quadratic in the stack's size, a third of the engine's CPU in a
 * no-op refresh of 100 host files (docs/decisions/0110). Never for `up`: there the checkpoints
 * are what keeps state true when a run dies half-way.
 */
export async function previewStack(stack: Stack, opts?: PreviewOptions): Promise<PreviewResult> {
  const env = stack.workspace.envVars;
  const before = env[SKIP_CHECKPOINTS_ENV];
  env[SKIP_CHECKPOINTS_ENV] = "true";
  try {
    return await stack.preview(opts);
  } finally {
    if (before === undefined) delete env[SKIP_CHECKPOINTS_ENV];
    else env[SKIP_CHECKPOINTS_ENV] = before;
  }
}
