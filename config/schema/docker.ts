import { z } from "zod";
import { isHostname, isIpv4 } from "./hostname";
import { absolutePathSchema, dockerNameSchema } from "./fields";

/**
 * Whether `url` is a Docker daemon address the docker provider accepts:
 * `unix:///abs/path`, `ssh://user@host[:port]` or `tcp://host:port`.
 */
export function isDockerHostUrl(url: string): boolean {
  const unix = /^unix:\/\/(\/[A-Za-z0-9._/-]+)$/.exec(url);
  if (unix) return !unix[1]!.split("/").includes("..");
  const ssh = /^ssh:\/\/[a-z_][a-z0-9_-]*@([^:/\s]+)(?::([0-9]{1,5}))?$/.exec(url);
  if (ssh) return hostOk(ssh[1]!) && portOk(ssh[2]);
  const tcp = /^tcp:\/\/([^:/\s]+):([0-9]{1,5})$/.exec(url);
  if (tcp) return hostOk(tcp[1]!) && portOk(tcp[2]);
  return false;
}

function hostOk(host: string): boolean {
  return isHostname(host) || isIpv4(host);
}

function portOk(port: string | undefined): boolean {
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/** `hemma:docker`: the Docker Engine the containers run on. */
export const dockerSchema = z.strictObject({
  /** Docker daemon URL for the docker provider (`unix:///var/run/docker.sock`, `ssh://user@host`, `tcp://host:port`). */
  host: z.string({ error: "a Docker daemon URL" }).refine(isDockerHostUrl, {
    error:
      "a Docker daemon URL: unix:///<absolute path>, ssh://<user>@<host>[:<port>] or tcp://<host>:<port>",
  }),
  /**
   * Private key file the docker provider's `ssh://` transport logs in with (`ssh -i`, only that
   * key). Default: the operator's ssh agent and `~/.ssh/config`. The sandbox sets its client key.
   */
  sshIdentityFile: absolutePathSchema.optional(),
  /** Absolute path of the docker CLI on the host (systemd units and actions call it by path; prod `/snap/bin/docker`). */
  binary: absolutePathSchema,
  /** systemd unit of the Docker daemon on the host (prod `snap.docker.dockerd.service`). */
  serviceUnit: z
    .string({ error: "a systemd service unit name" })
    .regex(/^[A-Za-z0-9:_.@-]+\.service$/, { error: "a systemd unit name ending in .service" }),
  /**
   * Host directory where `up` keeps the `docker inspect` of a stray container (one that claims
   * a name, label, alias or host name of this program without being its own) before removing it
   * (docs/decisions/0036). Default `/var/lib/hemma-infra/stray-containers`.
   */
  strayBackupDir: absolutePathSchema.default("/var/lib/hemma-infra/stray-containers"),
  /** Name of the shared bridge network every container joins. Default `hule-network`. */
  network: dockerNameSchema.default("hule-network"),
  /** Log driver set explicitly on every container. Default `json-file` (fail2ban and promtail read those files). */
  logDriver: z
    .string({ error: "a Docker log driver name" })
    .regex(/^[a-z0-9][a-z0-9_.-]*$/, { error: "a Docker log driver name such as json-file" })
    .default("json-file"),
  /** Log options set on every container. Default rotates at 10 MB, 3 files (docs/decisions/0002). */
  logOpts: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, { error: "a log option name such as max-size" }),
      z.string({ error: 'a string value (quote numbers: "3")' }),
    )
    .default({ "max-size": "10m", "max-file": "3" }),
});

/** Parsed `hemma:docker`. */
export type DockerConfig = z.output<typeof dockerSchema>;
