import * as pulumi from "@pulumi/pulumi";

/** Secret values of skriptoteket-web, each a secret Output (an optional one may be the empty string). */
export interface SkriptoteketSecretEnv {
  /** Password of the database role, embedded (URL-encoded) in DATABASE_URL. */
  readonly databasePassword: pulumi.Input<string>;
  /** SECRET_KEY. */
  readonly secretKey: pulumi.Input<string>;
  /** EMAIL_SMTP_USERNAME (sensitive, kept secret). */
  readonly smtpUsername: pulumi.Input<string>;
  /** EMAIL_SMTP_PASSWORD. */
  readonly smtpPassword: pulumi.Input<string>;
  /** OPENAI_LLM_COMPLETION_API_KEY. */
  readonly openaiCompletionApiKey: pulumi.Input<string>;
  /** OPENAI_LLM_CHAT_API_KEY. */
  readonly openaiChatApiKey: pulumi.Input<string>;
  /** OPENAI_LLM_CHAT_OPS_API_KEY. */
  readonly openaiChatOpsApiKey: pulumi.Input<string>;
}

/** Everything the container env is built from. */
export interface SkriptoteketEnvArgs {
  /** Operator settings already named as env keys (EMAIL_*, LLM_*, OTEL_*, ...), as strings. */
  readonly settings: Readonly<Record<string, string>>;
  /** Public host name (VIRTUAL_HOST, LETSENCRYPT_HOST). */
  readonly domain: string;
  /** Exact runner image tag (`skriptoteket-runner:<commit>`). */
  readonly runnerImage: string;
  /** RUNNER_QUEUE_ENABLED: true only when a worker consumes the queue. */
  readonly runnerQueueEnabled: boolean;
  /** Database host, port, name and role for DATABASE_URL. */
  readonly database: {
    readonly host: string;
    readonly port: number;
    readonly name: string;
    readonly user: string;
  };
  /** Secret values. */
  readonly secrets: SkriptoteketSecretEnv;
}

/** One container env entry: a plain value, or a secret Output. */
export type EnvEntry =
  | { readonly key: string; readonly secret: false; readonly value: string }
  | { readonly key: string; readonly secret: true; readonly value: pulumi.Output<string> };

/** The app's HTTP port inside the container. */
export const SKRIPTOTEKET_PORT = 8000;

/** Keys only nginx-proxy/acme-companion read; one-shot and worker containers must not carry them. */
export const PROXY_ENV_KEYS: readonly string[] = ["VIRTUAL_HOST", "VIRTUAL_PORT", "LETSENCRYPT_HOST"];

/**
 * Builds the env of skriptoteket-web (spec §2.2): the literals compose pins, the operator's
 * settings, the proxy routing keys and the secrets. Sorted by key. Throws when a setting tries to
 * override a pinned or secret key, so a config cannot silently change them.
 */
export function skriptoteketEnv(a: SkriptoteketEnvArgs): EnvEntry[] {
  const s = a.secrets;
  const pinned: Record<string, string> = {
    ENVIRONMENT: "production",
    COOKIE_SECURE: "true",
    RUNNER_IMAGE: a.runnerImage,
    RUNNER_QUEUE_ENABLED: a.runnerQueueEnabled ? "true" : "false",
    ARTIFACTS_ROOT: "/app/.artifacts",
    SERVICE_VERSION: "0.1.0",
    LLM_CHAT_OPS_SYSTEM_PROMPT_MAX_TOKENS: "4096",
    VIRTUAL_HOST: a.domain,
    VIRTUAL_PORT: String(SKRIPTOTEKET_PORT),
    LETSENCRYPT_HOST: a.domain,
  };
  const db = a.database;
  const secret: Record<string, pulumi.Input<string>> = {
    DATABASE_URL: pulumi
      .output(s.databasePassword)
      .apply(
        (pw) => `postgresql+asyncpg://${db.user}:${encodeURIComponent(pw)}@${db.host}:${db.port}/${db.name}`,
      ),
    SECRET_KEY: s.secretKey,
    EMAIL_SMTP_USERNAME: s.smtpUsername,
    EMAIL_SMTP_PASSWORD: s.smtpPassword,
    OPENAI_LLM_COMPLETION_API_KEY: s.openaiCompletionApiKey,
    OPENAI_LLM_CHAT_API_KEY: s.openaiChatApiKey,
    OPENAI_LLM_CHAT_OPS_API_KEY: s.openaiChatOpsApiKey,
  };
  const entries: EnvEntry[] = [];
  for (const [key, value] of Object.entries(a.settings)) {
    if (key in pinned || key in secret) {
      throw new Error(`skriptoteket env: setting ${key} would override a pinned or secret key`);
    }
    if (!/^[A-Z][A-Z0-9_]*$/.test(key))
      throw new Error(`skriptoteket env: ${key} is not an env variable name`);
    if (/[\r\n]/.test(value)) throw new Error(`skriptoteket env: ${key} contains a line break`);
    entries.push({ key, value, secret: false });
  }
  for (const [key, value] of Object.entries(pinned)) entries.push({ key, value, secret: false });
  for (const [key, value] of Object.entries(secret))
    entries.push({ key, value: pulumi.secret(pulumi.output(value)), secret: true });
  return entries.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

/** Docker `envs` list (`KEY=value`), secret entries kept as secret Outputs. */
export function dockerEnvs(entries: readonly EnvEntry[]): pulumi.Input<string>[] {
  return entries.map((e) => (e.secret ? pulumi.interpolate`${e.key}=${e.value}` : `${e.key}=${e.value}`));
}

/**
 * Renders an env file (`KEY=value` lines, as `docker run --env-file` reads them: no quoting) for
 * the one-shot migration container. Secret whenever any entry is; refuses values with line breaks.
 */
export function envFileContent(entries: readonly EnvEntry[]): pulumi.Output<string> {
  const lines = entries.map((e) =>
    pulumi.output(e.value).apply((v) => {
      if (/[\r\n]/.test(v)) throw new Error(`env file: the value of ${e.key} contains a line break`);
      return `${e.key}=${v}`;
    }),
  );
  return pulumi.all(lines).apply((ls) => `${ls.join("\n")}\n`);
}
