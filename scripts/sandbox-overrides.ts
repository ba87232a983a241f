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

/** The `hemma:dns` keys that point the dev stack at the sandbox's local Cloudflare API. */
export interface DnsOverrides {
  /** The provider's base URL (plain HTTP on the sandbox network's gateway). */
  readonly apiBaseUrl: string;
  /** ddclient's way to the API from inside the sandbox. */
  readonly ddclient: { readonly server: string; readonly caFile: string };
}

/**
 * YAML text overriding `hemma:ssh` with the sandbox's address, user and pinned host key,
 * `hemma:docker` with the sandbox's own Docker Engine over the same SSH login (as prod reaches
 * hemma's) and its key file, and the secret `hemma:sshPrivateKey` with the sandbox client key in
 * plain text: the file is untracked and cannot hold ciphertext (`config/load.ts` wraps it as a
 * secret Output; docs/decisions/0005). The key only opens this throwaway container on a loopback port.
 * `hemma:dns` gets the sandbox's local Cloudflare API (`dns`, docs/decisions/0093); the rest of
 * `hemma:dns` comes from the stack file (the overrides merge key by key).
 */
export function renderDevOverrides(info: SandboxInfo, privateKey: string, dns: DnsOverrides): string {
  const doc = {
    config: {
      "hemma:ssh": { host: info.host, port: info.port, user: info.user, hostKey: info.hostKey },
      "hemma:docker": {
        host: `ssh://${info.user}@${info.host}:${info.port}`,
        sshIdentityFile: info.privateKeyPath,
      },
      "hemma:dns": { apiBaseUrl: dns.apiBaseUrl, ddclient: { ...dns.ddclient } },
      "hemma:sshPrivateKey": privateKey,
    },
  };
  return `# Written by \`npm run sandbox -- up\` for the running sandbox; untracked, do not edit.\n${stringify(doc, { lineWidth: 0 })}`;
}

/** Writes the overrides of `info`'s sandbox (default `.sandbox/dev-overrides.yaml` under the repo `root`); returns its path. */
export function writeDevOverrides(
  root: string,
  info: SandboxInfo,
  privateKey: string,
  dns: DnsOverrides,
  file: string = path.join(sandboxDir(root), DEV_OVERRIDES_FILE),
): string {
  fs.writeFileSync(file, renderDevOverrides(info, privateKey, dns), { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return file;
}
