import * as pulumi from "@pulumi/pulumi";
import { sshConnection } from "../../../components/actions/ssh-connection";
import type { ContainerLogging } from "../../../components/docker/container-logging";
import type { DockerHostAccess } from "../../../components/docker/managed-container";

/** Log settings every container test expects to see verbatim. */
export const LOGGING: ContainerLogging = {
  driver: "json-file",
  options: { "max-size": "10m", "max-file": "3" },
};

/** A full commit sha used across tests. */
export const COMMIT = "0123456789abcdef0123456789abcdef01234567";

/** The SSH connection every action test uses. */
export const CONNECTION = sshConnection({
  host: "hemma.example",
  port: 22,
  user: "deploy",
  hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
  privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\ntest\n-----END OPENSSH PRIVATE KEY-----\n"),
});

/** How the docker components' network guards reach the host in tests. */
export const ACCESS: DockerHostAccess = {
  connection: {
    host: "hemma.example",
    port: 22,
    user: "deploy",
    hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    privateKey: pulumi.secret(
      "-----BEGIN OPENSSH PRIVATE KEY-----\ntest\n-----END OPENSSH PRIVATE KEY-----\n",
    ),
  },
  dockerBinary: "/snap/bin/docker",
};
