/**
 * `eval "$(npm run --silent pulumi-env)"`: makes the plain `pulumi` CLI work on the dev stack in
 * this checkout, as the README tells users: builds or finds the CLI, installs the shared plugins
 * and language host (scripts/ensure-pulumi.sh), writes the dynamic-provider shim, and prints the
 * shell exports: the CLI's directory first on PATH, the dev stack's local file backend and the
 * dev-only passphrase. Never use these exports for prod: it has its own backend and passphrase.
 *
 * Exit codes: 0 printed; 1 the CLI could not be had (message on stderr).
 */
import * as path from "node:path";
import { shellQuote } from "../components/actions/shell";
import { DEV_PASSPHRASE, DEV_STATE_DIR, engineEnv, ensurePulumiCli } from "./engine";

/** The `export` lines for a CLI at `cli`; PATH is extended in the user's shell, not copied from npm's. Pure. */
export function pulumiEnvExports(cli: string, env: Record<string, string>): string[] {
  const keep = [
    "PULUMI_BACKEND_URL",
    "PULUMI_CONFIG_PASSPHRASE",
    "PULUMI_SKIP_UPDATE_CHECK",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION",
    "PULUMI_NODEJS_TRANSPILE_ONLY",
  ];
  return [
    `export PATH=${shellQuote(path.dirname(cli))}:"$PATH"`,
    ...keep.filter((k) => env[k] !== undefined).map((k) => `export ${k}=${shellQuote(env[k]!)}`),
  ];
}

if (require.main === module) {
  try {
    const cli = ensurePulumiCli();
    const lines = pulumiEnvExports(cli, engineEnv(DEV_STATE_DIR, DEV_PASSPHRASE));
    process.stdout.write(`${lines.join("\n")}\n`);
  } catch (err) {
    process.stderr.write(`pulumi-env: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
