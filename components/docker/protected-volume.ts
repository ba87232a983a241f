import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";

/**
 * A named Docker volume that holds state (database files, certificates, artifacts).
 * Protected and retained on delete: neither `pulumi destroy`, a rename in code nor a replacement
 * can remove the data; the operator deletes it by hand, on purpose. No labels, driver options or
 * driver are set, because changing any of them replaces the volume.
 */
export function protectedVolume(name: string, volumeName: string, parent: pulumi.Resource): docker.Volume {
  return new docker.Volume(name, { name: volumeName }, { parent, protect: true, retainOnDelete: true });
}
