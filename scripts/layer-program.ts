/**
 * The program `npm run up -- dev` and `npm run drift -- dev` run: the stack's layers, each built
 * only when {@link planLayers} says its provider plugins are installed. Both scripts use this one
 * list, so drift compares exactly what up converges and a skipped layer is never checked.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { HemmaConfig } from "../config/schema";
import type { HemmaSecrets } from "../config/secrets";
import { buildDnsLayer } from "../stacks/layers/dns";
import { buildDockerLayer } from "../stacks/layers/docker";
import { buildEdgeLayer } from "../stacks/layers/edge";
import { buildHostLayer } from "../stacks/layers/host";
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

/** Arguments every layer builder takes. */
export interface LayerArgs {
  /** The validated stack config. */
  readonly config: HemmaConfig;
  /** The stack's secrets. */
  readonly secrets: HemmaSecrets;
}

/** A layer of the program: what it needs, whether the stack enables it, how to build it. */
export interface ProgramLayer extends LayerRequirement {
  /** Whether `hemma:features` switches the layer on. */
  readonly enabled: (config: HemmaConfig) => boolean;
  /** Registers the layer's resources. */
  readonly build: (args: LayerArgs) => void;
}

/** The stack's layers in build order. */
export const LAYERS: readonly ProgramLayer[] = [
  {
    layer: "host",
    plugins: [],
    provenBy: "the sandbox e2e suite",
    enabled: (c) => c.features.host,
    build: (a) => void buildHostLayer(a),
  },
  {
    // Edge/access hardening runs on the host layer's resources, so `features.host` switches it too.
    layer: "edge",
    plugins: [],
    provenBy: "the sandbox e2e suite",
    enabled: (c) => c.features.host,
    build: (a) => void buildEdgeLayer(a),
  },
  {
    layer: "docker",
    plugins: [pluginOf("@pulumi/docker"), pluginOf("@pulumi/command")],
    provenBy: "mock tests (npm test)",
    enabled: (c) => c.features.docker,
    build: (a) => void buildDockerLayer(a),
  },
  {
    layer: "dns",
    plugins: [pluginOf("@pulumi/cloudflare")],
    provenBy: "mock tests (npm test)",
    enabled: (c) => c.features.dns,
    build: (a) => void buildDnsLayer(a),
  },
];

/** Which layers one run of the program built and which `hemma:features` switched off. */
export interface LayerRun {
  /** Layers whose resources were registered, in build order. */
  readonly built: readonly string[];
  /** Layers with their plugins installed that the stack's `hemma:features` turns off. */
  readonly switchedOff: readonly string[];
}

/**
 * Builds the layers `decisions` applies and the config enables, in {@link LAYERS} order. A layer
 * absent from `decisions` or decided `apply: false` is not built.
 *
 * @param decisions the outcome of {@link planLayers} for {@link LAYERS}
 * @param args config and secrets of the stack
 */
export function buildSelectedLayers(decisions: readonly LayerDecision[], args: LayerArgs): LayerRun {
  const built: string[] = [];
  const switchedOff: string[] = [];
  for (const layer of LAYERS) {
    if (!decisions.find((d) => d.layer === layer.layer)?.apply) continue;
    if (!layer.enabled(args.config)) {
      switchedOff.push(layer.layer);
      continue;
    }
    layer.build(args);
    built.push(layer.layer);
  }
  return { built, switchedOff };
}

/** The message for a layer `hemma:features` switches off. */
export function switchedOffMessage(layer: string, stack: string): string {
  return `skipped ${layer} layer: switched off by hemma:features in Pulumi.${stack}.yaml`;
}
