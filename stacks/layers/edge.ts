import type * as pulumi from "@pulumi/pulumi";
import { EdgeHardening } from "../../components/edge/edge-hardening";
import type { HemmaConfig } from "../../config/schema";
import { HOST_DOMAIN_KEY } from "../../config/schema/dns";
import { isSecretKey, type HemmaSecrets } from "../../config/secrets";
import { hostConnectionFromConfig } from "./host-connection";

/** Arguments of {@link buildEdgeLayer}. */
export interface EdgeLayerArgs {
  /** The validated stack config. */
  readonly config: HemmaConfig;
  /** The stack's secrets (`sshPrivateKey` and the `edge.basicAuth` hash keys are used). */
  readonly secrets: HemmaSecrets;
  /** The nginx-proxy container's id when the docker layer runs (the probe jail follows its log). */
  readonly proxyContainerId?: pulumi.Input<string>;
}

/**
 * The edge/access layer: nginx-proxy snippets and basic auth, sshd hardening, UFW and fail2ban
 * on the host over SSH, SSH and firewall changes guarded against lockout. Creates nothing when
 * `features.host` is false.
 */
export function buildEdgeLayer(
  args: EdgeLayerArgs,
  opts?: pulumi.ComponentResourceOptions,
): EdgeHardening | undefined {
  const { config, secrets } = args;
  if (!config.features.host) return undefined;
  const basicAuthHashes: Record<string, pulumi.Output<string>> = {};
  if (config.edge.manage.nginx) {
    for (const b of config.edge.basicAuth) {
      const hash = isSecretKey(b.hashSecret) ? secrets[b.hashSecret] : undefined;
      if (hash === undefined) {
        throw new Error(
          `hemma:edge.basicAuth for ${b.vhost} needs the secret hemma:${b.hashSecret}, which config/secrets.ts does not list`,
        );
      }
      basicAuthHashes[b.hashSecret] = hash;
    }
  }
  return new EdgeHardening(
    "edge",
    {
      connection: hostConnectionFromConfig(config, secrets),
      edge: config.edge,
      vhostDir: config.proxy.vhostDir,
      htpasswdDir: config.proxy.htpasswdDir,
      proxyContainer: config.proxy.containerName,
      dockerBin: config.docker.binary,
      basicAuthHashes,
      ...(args.proxyContainerId === undefined ? {} : { proxyContainerId: args.proxyContainerId }),
      servedHosts: Object.entries(config.domains)
        .filter(([key]) => key !== HOST_DOMAIN_KEY)
        .map(([, name]) => name)
        .sort(),
    },
    opts,
  );
}
