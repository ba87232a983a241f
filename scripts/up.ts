/**
 * `npm run up -- dev [--preview]`: converge the dev stack against the sandbox with the real engine.
 *
 * Runs the project's own program (`index.ts`, through the Node.js language host, exactly as
 * `pulumi up --stack dev` in the repository does) with `up --refresh`, so hand-made drift is
 * repaired, on the local file backend in `.pulumi-state/backend` (or the `file://` backend that
 * `PULUMI_BACKEND_URL` names). A lock left by a run that was killed (its process is gone) is
 * removed first and named, so the next `up` after a crash converges. Stack config: `Pulumi.dev.yaml`
 * plus the sandbox's `.sandbox/dev-overrides.yaml` (or `HEMMA_OVERRIDES_FILE`). A layer runs only
 * when this machine has or may download every provider plugin it needs; otherwise it is skipped
 * and named with the reason, and never reported as applied.
 *
 * Each undeclared file up moved away (a hand-made drop-in, a file overriding a managed one) is
 * named with the copy it left under /var/lib/hemma-infra/backups.
 *
 * Exit codes: 0 converged (or previewed); 1 config, engine or host failure; 2 usage error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultOverridesFile, validateStackFile } from "../config/load";
import { formatIssues } from "../config/issue";
import { SKIP_LAYERS_ENV } from "../stacks/layer-selection";
import {
  DEV_PASSPHRASE,
  DEV_STATE_DIR,
  ensurePulumiCli,
  openProjectStack,
  pluginsFromSharedFolder,
  previewStack,
  PROJECT_NAME,
  REPO_ROOT,
} from "./engine";
import { clearStaleLocks } from "./stale-lock";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { listInstalledPlugins } from "./installed-plugins";
import { movedFiles } from "./moved-files";
import { planLayers, skipMessage } from "./layer-plan";
import { layerRun, LAYERS, switchedOffMessage } from "./layer-program";

const USAGE = `usage: npm run up -- dev [--preview]

  Converges the dev stack (Pulumi.dev.yaml + .sandbox/dev-overrides.yaml) against the sandbox
  with \`up --refresh\`; --preview only shows what would change. Needs \`npm run sandbox -- up\`.
  Layers whose provider plugins this machine cannot have are skipped and named.

exit codes: 0 ok, 1 failure, 2 usage`;

class UsageError extends Error {}

/** The directory of a `file://` backend URL (query such as `?no_tmp_dir=true` ignored), else undefined. */
function fileBackendDir(url: string | undefined): string | undefined {
  if (!url?.startsWith("file://")) {
    if (url)
      throw new UsageError(
        `PULUMI_BACKEND_URL=${url}: npm run up converges the dev stack on a file:// backend only`,
      );
    return undefined;
  }
  return url.slice("file://".length).replace(/\?.*$/, "");
}

function say(line: string): void {
  process.stdout.write(`up: ${line}\n`);
}

async function main(argv: string[]): Promise<number> {
  const positional = argv.filter((a) => !a.startsWith("--"));
  const unknown = argv.filter((a) => a.startsWith("--") && a !== "--preview" && a !== "--help");
  if (argv.includes("--help")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown[0]}`);
  if (positional.length !== 1) throw new UsageError("name exactly one stack");
  const stackName = positional[0]!;
  // prod is converged with the regular `pulumi up` against its own backend, never from a dev checkout.
  if (stackName !== "dev")
    throw new UsageError(`\`npm run up\` converges the dev stack only, got ${JSON.stringify(stackName)}`);
  const previewOnly = argv.includes("--preview");

  const overrides = defaultOverridesFile(REPO_ROOT, stackName)!;
  if (!fs.existsSync(overrides)) {
    process.stderr.write(
      `up: ${path.relative(REPO_ROOT, overrides)} is missing: run \`npm run sandbox -- up\` first\n`,
    );
    return 1;
  }
  // The same check the program makes, before any engine starts: a bad config costs nothing.
  const validation = validateStackFile(path.join(REPO_ROOT, `Pulumi.${stackName}.yaml`), stackName);
  if (!validation.ok || !validation.config) {
    process.stderr.write(`up: ${formatIssues(`Pulumi.${stackName}.yaml is not valid`, validation.issues)}\n`);
    return 1;
  }

  const stateDir = fileBackendDir(process.env.PULUMI_BACKEND_URL) ?? DEV_STATE_DIR;
  for (const line of clearStaleLocks(stateDir, PROJECT_NAME, stackName)) say(line);

  const cli = ensurePulumiCli();
  const decisions = planLayers(LAYERS, listInstalledPlugins(cli), !pluginsFromSharedFolder());
  const run = layerRun(decisions, validation.config);
  for (const d of decisions) if (!d.apply) say(skipMessage(d));
  for (const layer of run.switchedOff) say(switchedOffMessage(layer, stackName));

  // The provider retries an unreachable API for minutes; a stopped sandbox API is said at once.
  const apiBaseUrl = validation.config.dns?.apiBaseUrl;
  if (run.built.includes("dns") && apiBaseUrl !== undefined && !(await answers(apiBaseUrl))) {
    process.stderr.write(
      `up: the Cloudflare API at ${apiBaseUrl} (hemma:dns.apiBaseUrl) does not answer: run \`npm run sandbox -- up\`\n`,
    );
    return 1;
  }

  const stack = await openProjectStack({
    stackName,
    stateDir,
    passphrase: process.env.PULUMI_CONFIG_PASSPHRASE ?? DEV_PASSPHRASE,
    create: true,
    env: { [SKIP_LAYERS_ENV]: run.skipped.join(",") },
  });
  const onOutput = (out: string): void => void process.stdout.write(out);
  const notApplied = [...run.skipped, ...run.switchedOff];
  const report = (verb: string, summary: unknown): void => {
    if (notApplied.length > 0) say(`NOT applied: ${notApplied.join(", ")}`);
    say(
      `${verb} ${run.built.join(", ") || "no"} layer${run.built.length === 1 ? "" : "s"}: ${JSON.stringify(summary)}`,
    );
  };
  if (previewOnly) {
    const result = await previewStack(stack, { refresh: true, diff: true, onOutput });
    report("previewed", result.changeSummary);
    return 0;
  }
  const started = Date.now();
  const events: EngineEvent[] = [];
  const result = await stack.up({ refresh: true, onOutput, onEvent: (e) => events.push(e) });
  report("converged", result.summary.resourceChanges ?? {});
  // A hand-made file up removed is kept under /var/lib/hemma-infra/backups: say where.
  for (const line of movedFiles(events)) say(line);
  say(`took ${Math.round((Date.now() - started) / 1000)} s`);
  return 0;
}

/** Whether anything answers HTTP at `baseUrl` (any status: the question is only whether it listens). */
async function answers(baseUrl: string): Promise<boolean> {
  try {
    await fetch(`${baseUrl.replace(/\/+$/, "")}/user/tokens/verify`, { signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`up: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`up: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
