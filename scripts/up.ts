/**
 * `npm run up -- dev [--preview]`: converge the dev stack against the sandbox with the real engine.
 *
 * Loads `Pulumi.dev.yaml` plus the sandbox's `.sandbox/dev-overrides.yaml` (config/load.ts),
 * then runs `up --refresh` (so hand-made drift is repaired) through the Automation API on a
 * local file backend in `.pulumi-state/`. A layer runs only when every provider plugin it needs
 * is installed; otherwise it is skipped and named with the reason. A skipped layer is never
 * reported as applied.
 *
 * Exit codes: 0 converged (or previewed); 1 config, engine or host failure; 2 usage error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { loadProgramConfig } from "../config/load";
import { DEV_PASSPHRASE, openInlineStack, REPO_ROOT } from "./engine";
import { planLayers, skipMessage } from "./layer-plan";
import { buildSelectedLayers, LAYERS, switchedOffMessage } from "./layer-program";

const USAGE = `usage: npm run up -- dev [--preview]

  Converges the dev stack (Pulumi.dev.yaml + .sandbox/dev-overrides.yaml) against the sandbox
  with \`up --refresh\`; --preview only shows what would change. Needs \`npm run sandbox -- up\`.
  Layers whose provider plugins are not installed are skipped and named.

exit codes: 0 ok, 1 failure, 2 usage`;

class UsageError extends Error {}

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

  const overrides = path.join(REPO_ROOT, ".sandbox", "dev-overrides.yaml");
  if (!fs.existsSync(overrides)) {
    process.stderr.write(
      `up: ${path.relative(REPO_ROOT, overrides)} is missing: run \`npm run sandbox -- up\` first\n`,
    );
    return 1;
  }

  // The engine reads stack config from its work dir; the tracked Pulumi.dev.yaml is copied there
  // on every run so an edit to it is always what runs (its secrets use the dev passphrase).
  const stateRoot = path.join(REPO_ROOT, ".pulumi-state");
  const workDir = path.join(stateRoot, "work");
  fs.mkdirSync(workDir, { recursive: true });
  fs.copyFileSync(
    path.join(REPO_ROOT, `Pulumi.${stackName}.yaml`),
    path.join(workDir, `Pulumi.${stackName}.yaml`),
  );

  let decisions: ReturnType<typeof planLayers> = [];
  // The inline program runs in this process, so it can report which layers it really built.
  const built: string[] = [];
  const switchedOff: string[] = [];
  const program: PulumiFn = async () => {
    const run = buildSelectedLayers(
      decisions,
      loadProgramConfig({ stack: stackName, projectDir: REPO_ROOT }),
    );
    built.splice(0, built.length, ...run.built);
    switchedOff.splice(0, switchedOff.length, ...run.switchedOff);
  };
  const stack = await openInlineStack({
    stackName,
    program,
    stateDir: path.join(stateRoot, "backend"),
    passphrase: DEV_PASSPHRASE,
    workDir,
  });

  decisions = planLayers(LAYERS, await stack.workspace.listPlugins());
  for (const d of decisions) if (!d.apply) say(skipMessage(d));

  const onOutput = (out: string): void => void process.stdout.write(out);
  const report = (): void => {
    for (const layer of switchedOff) say(switchedOffMessage(layer, stackName));
    const notApplied = [...decisions.filter((d) => !d.apply).map((d) => d.layer), ...switchedOff];
    if (notApplied.length > 0) say(`NOT applied: ${notApplied.join(", ")}`);
  };
  if (previewOnly) {
    const result = await stack.preview({ refresh: true, diff: true, onOutput });
    report();
    say(
      `previewed ${built.join(", ") || "no"} layer${built.length === 1 ? "" : "s"}: ${JSON.stringify(result.changeSummary)}`,
    );
    return 0;
  }
  const result = await stack.up({ refresh: true, onOutput });
  report();
  say(
    `converged ${built.join(", ") || "no"} layer${built.length === 1 ? "" : "s"}: ${JSON.stringify(result.summary.resourceChanges ?? {})}`,
  );
  return 0;
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
