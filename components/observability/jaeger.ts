import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { JAEGER_UI_PORT } from "../../render/observability/jaeger";
import { networkGuard, networksAdvanced } from "../docker/managed-container";
import {
  type ObservabilityServiceArgs,
  commonContainerArgs,
  httpHealthcheck,
  routeEnv,
  wgetSpider,
} from "./service";

/** Arguments of {@link Jaeger}. */
export interface JaegerArgs extends ObservabilityServiceArgs {
  /** Public name of the UI routed by nginx-proxy. Default none: not routed. */
  readonly domain?: string;
}

/**
 * Jaeger all-in-one (spec §2.4): the image's default command, traces in memory (lost on
 * restart, ADR26), OTLP on 4317/4318 and the UI on 16686, all only on the network; no port is
 * published (the old `16686:16686` mapping was removed on purpose, ST1704). Fixed name,
 * delete-before-replace.
 */
export class Jaeger extends pulumi.ComponentResource {
  /** The container. */
  readonly container: docker.Container;

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hemma:observability:Jaeger", name, {}, opts);
    const networks = [{ name: args.network }];
    this.container = new docker.Container(
      name,
      {
        ...commonContainerArgs(args),
        // Jaeger 2 binds its receivers to localhost unless told otherwise; the app reaches it over the network.
        envs: ["JAEGER_LISTEN_HOST=0.0.0.0", ...routeEnv(args.domain, JAEGER_UI_PORT)],
        networksAdvanced: networksAdvanced(networks),
        healthcheck: httpHealthcheck(wgetSpider(`http://localhost:${JAEGER_UI_PORT}/`)),
      },
      { parent: this, deleteBeforeReplace: true, dependsOn: args.after ?? [] },
    );
    networkGuard(name, this.container, networks, args.access, this);
    this.registerOutputs({ containerName: this.container.name });
  }
}
