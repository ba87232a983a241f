import type * as pulumi from "@pulumi/pulumi";
import type { HemmaConfig } from "./schema";
import { DEFAULT_BASIC_AUTH } from "./schema/edge";

/** Stacks this program knows. */
export type StackName = "prod" | "dev";

/** One secret config key: a flat top-level `hemma:<key>` set with `pulumi config set --secret`. */
export interface SecretSpec {
  /** Key under `hemma:` (`postgresAdminPassword` → `hemma:postgresAdminPassword`). */
  readonly key: string;
  /** One line for validate output and the README. */
  readonly description: string;
  /** Stacks in which the secret must be set. */
  readonly requiredIn: readonly StackName[];
  /** Also required (in any stack) when this returns true for the parsed config. */
  readonly requiredWhen?: (config: HemmaConfig) => boolean;
}

/** The description of a basic-auth hash secret: the formats `render/edge/htpasswd.ts` accepts (docs/decisions/0062). */
function basicAuthHashDescription(service: string): string {
  return (
    `password hash (apr1, bcrypt or SHA-crypt; never the password) of the ${service} vhost's basic-auth user, ` +
    "e.g. from `openssl passwd -apr1`"
  );
}

/**
 * Whether the config's edge layer writes a basic-auth file from secret `key`: the host layer is
 * on, the edge manages nginx files and `hemma:edge.basicAuth` names the key (its default names
 * both hash secrets, so prod needs them unless it turns basic auth off).
 */
function basicAuthNeeds(key: string): (config: HemmaConfig) => boolean {
  return (config) => {
    // Raw (unparsed) values may omit what the schema defaults: `manage.nginx` true, both hash secrets named.
    const edge = config.edge as Partial<HemmaConfig["edge"]> | undefined;
    const named = edge?.basicAuth ?? DEFAULT_BASIC_AUTH;
    return config.features.host && edge?.manage?.nginx !== false && named.some((b) => b.hashSecret === key);
  };
}

/** Whether the config runs Grafana (the docker layer on, `observability.grafana.enabled` not false). */
function grafanaRuns(config: HemmaConfig): boolean {
  // Raw (unparsed) values may omit what the schema defaults: Grafana enabled.
  const grafana = (config.observability as Partial<HemmaConfig["observability"]> | undefined)?.grafana;
  return config.features.docker && grafana?.enabled !== false;
}

/** Every secret the program reads. Adding one here makes validate and `loadProgramConfig` know it. */
export const SECRETS = [
  {
    key: "sshPrivateKey",
    description: "OpenSSH private key (PEM) the program logs in with as hemma:ssh.user",
    requiredIn: ["prod", "dev"],
  },
  {
    key: "postgresAdminPassword",
    description: "password of the postgres superuser in shared-postgres (POSTGRES_PASSWORD)",
    requiredIn: ["prod", "dev"],
  },
  {
    key: "skriptoteketDbPassword",
    description: "password of the skriptoteket database role (embedded in DATABASE_URL)",
    requiredIn: ["prod", "dev"],
  },
  {
    key: "skriptoteketSecretKey",
    description: "Skriptoteket SECRET_KEY (session signing)",
    requiredIn: ["prod", "dev"],
  },
  {
    key: "emailSmtpUsername",
    description: "SMTP login for outgoing mail (EMAIL_SMTP_USERNAME)",
    requiredIn: ["prod"],
  },
  {
    key: "emailSmtpPassword",
    description: "SMTP password for outgoing mail (EMAIL_SMTP_PASSWORD)",
    requiredIn: ["prod"],
  },
  {
    key: "openaiLlmCompletionApiKey",
    description:
      "API key for the completion LLM endpoint (OPENAI_LLM_COMPLETION_API_KEY); empty for the local llama-server",
    requiredIn: [],
  },
  {
    key: "openaiLlmChatApiKey",
    description:
      "API key for the chat LLM endpoint (OPENAI_LLM_CHAT_API_KEY); empty for the local llama-server",
    requiredIn: [],
  },
  {
    key: "openaiLlmChatOpsApiKey",
    description:
      "API key for the chat-ops LLM endpoint (OPENAI_LLM_CHAT_OPS_API_KEY); empty for the local llama-server",
    requiredIn: [],
  },
  {
    key: "cloudflareApiToken",
    description:
      "Cloudflare API token Pulumi manages the DNS records with (Zone:DNS:Edit on hemma:dns.zone only)",
    requiredIn: [],
    requiredWhen: (config) => config.features.dns,
  },
  {
    key: "cloudflareDdnsToken",
    description:
      "Cloudflare API token ddclient on the host updates the host record with (Zone:DNS:Edit + Zone:Read on hemma:dns.zone only)",
    requiredIn: [],
    requiredWhen: (config) => config.features.dns,
  },
  {
    key: "jaegerBasicAuthHash",
    description: basicAuthHashDescription("Jaeger"),
    requiredIn: [],
    requiredWhen: basicAuthNeeds("jaegerBasicAuthHash"),
  },
  {
    key: "prometheusBasicAuthHash",
    description: basicAuthHashDescription("Prometheus"),
    requiredIn: [],
    requiredWhen: basicAuthNeeds("prometheusBasicAuthHash"),
  },
  {
    key: "grafanaAdminPassword",
    description:
      "password of Grafana's admin user (GF_SECURITY_ADMIN_PASSWORD); Grafana reads it only while its data volume is empty (docs/decisions/0101)",
    requiredIn: [],
    requiredWhen: grafanaRuns,
  },
] as const satisfies readonly SecretSpec[];

/** Key of one known secret. */
export type SecretKey = (typeof SECRETS)[number]["key"];

/**
 * Secrets as the program receives them, each a secret `Output<string>`. A secret that is not
 * required and not set is the secret empty string: that is the documented app default for every
 * optional one (empty SMTP login, empty LLM API keys).
 */
export type HemmaSecrets = { readonly [K in SecretKey]: pulumi.Output<string> };

/** Whether `key` names a known secret. */
export function isSecretKey(key: string): key is SecretKey {
  return SECRETS.some((s) => s.key === key);
}

/**
 * Whether `secret` must be set for `stack`. `config` is the parsed config, or the raw values
 * when they did not parse: a `requiredWhen` rule that throws or answers anything but a boolean
 * on raw values counts as required, so a broken config never hides a missing secret.
 */
export function isSecretRequired(secret: SecretSpec, stack: string, config: unknown): boolean {
  if ((secret.requiredIn as readonly string[]).includes(stack)) return true;
  if (!secret.requiredWhen) return false;
  try {
    const answer: unknown = secret.requiredWhen(config as HemmaConfig);
    return typeof answer === "boolean" ? answer : true;
  } catch {
    return true;
  }
}
