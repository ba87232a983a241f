/**
 * The dev stack's view of the sandbox: `.sandbox/dev-overrides.yaml`, untracked, in the shape
 * of a `Pulumi.<stack>.yaml` (`config:` then `hemma:<area>` keys), merged over `Pulumi.dev.yaml`
 * so a fresh sandbox (new port, new host key) needs no edit to a tracked file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { sandboxDir, type SandboxInfo } from "./sandbox-spec";

/** File name of the overrides, inside `.sandbox/`. */
export const DEV_OVERRIDES_FILE = "dev-overrides.yaml";

/**
 * YAML text overriding `hemma:ssh` with the sandbox's address, user and pinned host key. The
 * private key stays out of it: it is the secret `hemma:sshPrivateKey`, which `npm run up -- dev`
 * sets from `info.privateKeyPath` as a Pulumi secret.
 */
export function renderDevOverrides(info: SandboxInfo): string {
  const doc = {
    config: {
      "hemma:ssh": { host: info.host, port: info.port, user: info.user, hostKey: info.hostKey },
    },
  };
  return `# Written by \`npm run sandbox -- up\` for the running sandbox; untracked, do not edit.\n${stringify(doc, { lineWidth: 0 })}`;
}

/** Writes `.sandbox/dev-overrides.yaml` under the repo `root`; returns its path. */
export function writeDevOverrides(root: string, info: SandboxInfo): string {
  const file = path.join(sandboxDir(root), DEV_OVERRIDES_FILE);
  fs.writeFileSync(file, renderDevOverrides(info));
  return file;
}
