/** Shared fixtures for the config tests: a complete prod stack document and temp files. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { SECRETS, isSecretRequired } from "../../config/secrets";

/** Repository root. */
export const ROOT = path.resolve(__dirname, "../..");

/** A real-shaped ed25519 host key line: wire encoding `string "ssh-ed25519", string <32 bytes>`. */
export function hostKeyLine(fill = 7): string {
  const name = Buffer.from("ssh-ed25519");
  const blob = Buffer.concat([u32(name.length), name, u32(32), Buffer.alloc(32, fill)]);
  return `ssh-ed25519 ${blob.toString("base64")}`;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Secrets this suite knows prod requires (config/secrets.ts may list more, e.g. per feature). */
export const PROD_REQUIRED_SECRETS = [
  "sshPrivateKey",
  "postgresAdminPassword",
  "skriptoteketDbPassword",
  "skriptoteketSecretKey",
  "emailSmtpUsername",
  "emailSmtpPassword",
  "jaegerBasicAuthHash",
  "prometheusBasicAuthHash",
];

/**
 * Non-secret values the operator sets before prod validates (the README lists them), by key path.
 * An area that adds one adds it here.
 */
export const PROD_OPERATOR_VALUES: Readonly<Record<string, unknown>> = {
  "hemma:ssh.hostKey": hostKeyLine(),
  "hemma:letsencrypt.email": "ops@hule.education",
  "hemma:dns.zoneId": "0123456789abcdef0123456789abcdef",
};

/** `Pulumi.prod.yaml` as committed, parsed. */
export function committedProd(): StackDoc {
  return YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"));
}

/** A parsed stack file. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows break documents at arbitrary key paths
export type StackDoc = { config: Record<string, any> } & Record<string, unknown>;

/** Secrets `stack` requires for the (raw) config in `doc`, per config/secrets.ts. */
export function requiredSecrets(doc: StackDoc, stack: string): string[] {
  const areas = Object.fromEntries(
    Object.entries(doc.config)
      .filter(([k]) => k.startsWith("hemma:"))
      .map(([k, v]) => [k.slice("hemma:".length), v]),
  );
  return SECRETS.filter((s) => isSecretRequired(s, stack, areas)).map((s) => s.key);
}

/** Sets `value` at a key path such as `hemma:ssh.hostKey` in a stack document, creating mappings on the way. */
export function setKeyPath(doc: StackDoc, keyPath: string, value: unknown): void {
  const [top, ...rest] = keyPath.split(".");
  if (rest.length === 0) {
    doc.config[top!] = value;
    return;
  }
  let cur = (doc.config[top!] ??= {});
  for (const part of rest.slice(0, -1)) cur = cur[part] ??= {};
  cur[rest[rest.length - 1]!] = value;
}

/** Adds every required prod secret of `doc` as a `secure:` value, and a salt. */
export function addProdSecrets(doc: StackDoc): StackDoc {
  for (const key of requiredSecrets(doc, "prod"))
    doc.config[`hemma:${key}`] = { secure: `v1:ciphertext-of-${key}` };
  doc.encryptionsalt = "v1:c2FsdA==:v1:abc:def";
  return doc;
}

/**
 * `Pulumi.prod.yaml` completed the way the operator completes it: the operator values and every
 * required secret as a `secure:` value. Validates with no issues.
 */
export function completeProd(): StackDoc {
  const doc = committedProd();
  for (const [keyPath, value] of Object.entries(PROD_OPERATOR_VALUES)) {
    const area = keyPath.split(".")[0]!;
    if (area in doc.config) setKeyPath(doc, keyPath, value);
  }
  return addProdSecrets(doc);
}

/** Writes `doc` (or raw text) as `Pulumi.<stack>.yaml` in a fresh temp directory; returns its path. */
export function writeStackFile(doc: unknown, stack = "prod"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-config-"));
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, typeof doc === "string" ? doc : YAML.stringify(doc));
  return file;
}
