/**
 * The program's layers as the wrapper scripts see them (`npm run up -- dev`, `npm run drift`):
 * which provider plugins each needs and whether the stack's `hemma:features` turns it on. Both
 * scripts plan with this one list and hand the layers this machine cannot run to `index.ts`
 * (`stacks/layer-selection.ts`), so drift compares exactly what up converges.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { HemmaConfig } from "../config/schema";
import type { LayerName } from "../stacks/layer-selection";
import { observabilityLayerEnabled } from "../stacks/layers/observability";
import type { LayerDecision, LayerRequirement, PluginRequirement } from "./layer-plan";

const REPO_ROOT = path.resolve(__dirname, "..");

/** The plugin an npm provider package pins (its `pulumi` field), so the requirement follows package.json. */
function pluginOf(pkg: string): PluginRequirement {
  const meta = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, "node_modules", pkg, "package.json"), "utf8"),
  ) as {
    pulumi: { name: string; version: string };
  };
  return { name: meta.pulumi.name, version: meta.pulumi.version };
}

/** A layer of the program: what it needs and whether the stack enables it. */
export interface ProgramLayer extends LayerRequirement {
  /** The layer's name in `stacks/hemma.ts`. */
  readonly layer: LayerName;
  /** Whether `hemma:features` switches the layer on. */
  readonly enabled: (config: HemmaConfig) => boolean;
}

/** The stack's layers in build order. */
export const LAYERS: readonly ProgramLayer[] = [
  {
    layer: "docker",
    plugins: [pluginOf("@pulumi/docker"), pluginOf("@pulumi/command")],
    provenBy: "mock tests (npm test)",
    enabled: (c) => c.features.docker,
  },
  {
    layer: "dns",
    plugins: [pluginOf("@pulumi/cloudflare")],
    provenBy: "mock tests (npm test) and, where the plugin is installed, tests/e2e/dns.e2e.test.ts",
    enabled: (c) => c.features.dns,
  },
  {
    layer: "host",
    plugins: [],
    provenBy: "the sandbox e2e suite",
    enabled: (c) => c.features.host,
  },
  {
    // Edge/access hardening runs on the host layer's resources, so `features.host` switches it too.
    layer: "edge",
    plugins: [],
    provenBy: "the sandbox e2e suite",
    enabled: (c) => c.features.host,
  },
  {
    // Containers on the docker layer's network with host config files: features.docker and .host, and a service on.
    layer: "observability",
    plugins: [pluginOf("@pulumi/docker")],
    provenBy: "mock tests (npm test)",
    enabled: observabilityLayerEnabled,
  },
];

/** What one run of the program builds, as the wrapper scripts report it. */
export interface LayerRun {
  /** Layers the program builds, in build order. */
  readonly built: readonly LayerName[];
  /** Layers this machine could run that the stack's `hemma:features` turns off. */
  readonly switchedOff: readonly LayerName[];
  /** Layers this machine cannot run: the value of `HEMMA_SKIP_LAYERS`. */
  readonly skipped: readonly LayerName[];
}

/**
 * Splits {@link LAYERS} by the plugin plan `decisions` and the stack's features. A layer absent
 * from `decisions` or decided `apply: false` is skipped, whatever the features say.
 */
export function layerRun(decisions: readonly LayerDecision[], config: HemmaConfig): LayerRun {
  const built: LayerName[] = [];
  const switchedOff: LayerName[] = [];
  const skipped: LayerName[] = [];
  for (const layer of LAYERS) {
    if (!decisions.find((d) => d.layer === layer.layer)?.apply) skipped.push(layer.layer);
    else if (!layer.enabled(config)) switchedOff.push(layer.layer);
    else built.push(layer.layer);
  }
  return { built, switchedOff, skipped };
}

/** The message for a layer `hemma:features` switches off. */
export function switchedOffMessage(layer: string, stack: string): string {
  return `skipped ${layer} layer: switched off by hemma:features in Pulumi.${stack}.yaml`;
}
