import * as docker from "@pulumi/docker";
import type { RenderedFile } from "../../../render/types";
import { ACCESS, LOGGING } from "../docker/fixtures";

/** The stray guard stand-in every container must wait for. */
export function guard(): docker.Network {
  return new docker.Network("guard", { name: "guard" });
}

/** What every observability component takes, on a network named hule-network. */
export function common(after: docker.Network) {
  const net = new docker.Network("net", { name: "hule-network" });
  return { network: net.name, logging: LOGGING, access: ACCESS, after: [after] };
}

/** A rendered config file under `dir`. */
export function file(dir: string, rel: string, content = "x: 1\n"): RenderedFile {
  return { path: `${dir}/${rel}`, content, mode: "0644", kind: "config" };
}

/** The HostFile type token. */
export const HOST_FILE = "pulumi-nodejs:dynamic/host:HostFile";
/** The network guard type token. */
export const NETWORKS = "pulumi-nodejs:dynamic/host:ContainerNetworks";
/** Labels, restart, logging, volumes kept and wait: the same on every observability container. */
export const COMMON_INPUTS = {
  labels: [{ label: "education.hule.hemma.managed-by", value: "hemma-infra" }],
  restart: "unless-stopped",
  logDriver: "json-file",
  logOpts: { "max-size": "10m", "max-file": "3" },
  removeVolumes: false,
  wait: true,
  waitTimeout: 120,
  networksAdvanced: [{ name: "hule-network" }],
};
/** The spec's probe cadence. */
export const PROBE = { interval: "30s", timeout: "10s", retries: 3, startPeriod: "30s" };
