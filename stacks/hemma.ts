import type * as pulumi from "@pulumi/pulumi";
import type { HemmaConfig } from "../config/schema";
import type { HemmaSecrets } from "../config/secrets";
import { buildDnsLayer } from "./layers/dns";
import { buildDockerLayer } from "./layers/docker";
import { buildEdgeLayer } from "./layers/edge";
import { buildHostLayer, type HostLayer } from "./layers/host";
import { buildObservabilityLayer, type ObservabilityLayer } from "./layers/observability";
import type { LayerName } from "./layer-selection";

/** What `buildHemma` needs: one validated config and its secrets. */
export interface HemmaArgs {
  /** The validated stack config. */
  readonly config: HemmaConfig;
  /** Every secret as a secret Output. */
  readonly secrets: HemmaSecrets;
}

/** How one run builds the stack. */
export interface HemmaBuildOptions {
  /** Layers this machine cannot run (`HEMMA_SKIP_LAYERS`); the others follow `config.features`. Default none. */
  readonly skipLayers?: ReadonlySet<LayerName>;
}

/** Stack outputs a user needs after `up`. */
export interface HemmaOutputs {
  /** Public URLs served by the stack. */
  readonly urls: { readonly app: string } | undefined;
  /** Container names (the web container's changes with each deploy). */
  readonly containers:
    | {
        readonly postgres: pulumi.Output<string>;
        readonly web: pulumi.Output<string>;
        readonly worker: pulumi.Output<string> | undefined;
        readonly nginxProxy: pulumi.Output<string>;
        readonly acmeCompanion: pulumi.Output<string>;
      }
    | undefined;
  /** App image tags (`<repository>:<commit>`). */
  readonly images: { readonly web: string; readonly runner: string } | undefined;
  /** Host layer notes: what a watchdog change does, when a reboot is needed, the timers placed. */
  readonly host: HostLayer["outputs"] | undefined;
  /** Observability containers and the public URLs of the routed services. */
  readonly observability: ObservabilityLayer["outputs"] | undefined;
}

/**
 * Composes hemma for one host from one validated config: each layer decides from a plain
 * `config.features` flag whether it exists. Keep this a short list of layer calls.
 */
export function buildHemma(args: HemmaArgs, options: HemmaBuildOptions = {}): HemmaOutputs {
  const run = (layer: LayerName): boolean => !options.skipLayers?.has(layer);
  const dockerLayer = run("docker") ? buildDockerLayer(args) : undefined;
  if (run("dns")) buildDnsLayer(args);
  const hostLayer = run("host") ? buildHostLayer(args) : undefined;
  const edge = run("edge")
    ? buildEdgeLayer({
        ...args,
        ...(dockerLayer ? { proxyContainerId: dockerLayer.proxy.container.id } : {}),
      })
    : undefined;
  // Its containers join the docker layer's network behind its stray guard, so it runs only with it.
  const observability =
    run("observability") && dockerLayer
      ? buildObservabilityLayer({ ...args, docker: dockerLayer, basicAuthFiles: edge?.nginx?.htpasswd ?? {} })
      : undefined;
  return {
    urls: dockerLayer ? { app: dockerLayer.web.url } : undefined,
    containers: dockerLayer
      ? {
          postgres: dockerLayer.postgres.containerName,
          web: dockerLayer.web.containerName,
          worker: dockerLayer.web.workerContainer?.name,
          nginxProxy: dockerLayer.proxy.containerName,
          acmeCompanion: dockerLayer.acme.container.name,
        }
      : undefined,
    images: dockerLayer ? { web: dockerLayer.webImage.ref, runner: dockerLayer.runnerImage.ref } : undefined,
    host: hostLayer?.outputs,
    observability: observability?.outputs,
  };
}
