import * as pulumi from "@pulumi/pulumi";
import { sha256Hex } from "./digest";
import { captureDeclared, DRIFT_CAPTURE_ENV } from "./drift-capture";

/**
 * The `digest` input of a host file or unit: sha256 of the declared content, shown in previews
 * instead of the content. In a drift run (docs/decisions/0112) the declared content is also
 * written to the capture directory for the line diff, unless it is a secret; only then are the
 * connection and path resolved, so other runs pay for one `apply`.
 */
export function declaredDigest(
  content: pulumi.Output<string>,
  host: pulumi.Input<string>,
  port: pulumi.Input<number>,
  path: pulumi.Input<string>,
): pulumi.Output<string> {
  if (!process.env[DRIFT_CAPTURE_ENV]) return content.apply(sha256Hex);
  return pulumi
    .all([pulumi.output(pulumi.isSecret(content)), content, host, port, path])
    .apply(([secret, text, h, p, filePath]) => {
      if (!secret) captureDeclared(h, p, filePath, text);
      return sha256Hex(text);
    });
}
