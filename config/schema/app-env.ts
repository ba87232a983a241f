import { z } from "zod";
import { emailSchema, httpUrlSchema, portSchema } from "./fields";

const text = (what: string) => z.string({ error: what });
const flag = z.boolean({ error: "true or false" });
const positiveInt = z
  .number({ error: "a whole number > 0" })
  .int({ error: "a whole number > 0" })
  .min(1, { error: "a whole number > 0" });

/**
 * `hemma:app.env`: the non-secret settings of skriptoteket-web (spec §2.2) that the operator may
 * change, with the documented compose defaults. Keys are the env names in camelCase
 * (`emailSmtpHost` → `EMAIL_SMTP_HOST`). Literals the spec pins (ENVIRONMENT, COOKIE_SECURE,
 * LLM_CHAT_OPS_SYSTEM_PROMPT_MAX_TOKENS, ...) and secrets are not here on purpose.
 */
export const appEnvSchema = z.strictObject({
  emailProvider: text("an e-mail provider name").default("smtp"),
  emailSmtpHost: text("an SMTP host name").default("mail.privateemail.com"),
  emailSmtpPort: portSchema.default(587),
  emailSmtpUseTls: flag.default(true),
  emailSmtpTimeout: positiveInt.default(30),
  emailDefaultFromEmail: emailSchema.default("noreply@hule.education"),
  emailDefaultFromName: text("a sender display name").default("Skriptoteket"),
  /** `/healthz` fails when SMTP is unreachable while this is true (spec §11 invariant 7). */
  healthzSmtpCheckEnabled: flag.default(true),
  emailVerificationBaseUrl: httpUrlSchema.default("https://skriptoteket.hule.education"),
  emailVerificationTtlHours: positiveInt.default(24),
  otelTracingEnabled: flag.default(true),
  otelExporterOtlpEndpoint: httpUrlSchema.default("http://jaeger:4317"),
  llmCompletionEnabled: flag.default(false),
  llmChatEnabled: flag.default(false),
  llmChatOpsEnabled: flag.default(false),
  llmCompletionBaseUrl: httpUrlSchema.default("http://host.docker.internal:8082"),
  llmChatBaseUrl: httpUrlSchema.default("http://host.docker.internal:8082"),
  llmChatOpsBaseUrl: httpUrlSchema.default("http://host.docker.internal:8082"),
  llmCompletionModel: text("a model id").default("Devstral-Small-2-24B"),
  llmChatModel: text("a model id").default("Devstral-Small-2-24B"),
  llmChatOpsModel: text("a model id").default("Devstral-Small-2-24B"),
  llmCompletionTemplateId: text("a template id").default("inline_completion_v1"),
  llmChatTemplateId: text("a template id").default("editor_chat_v1"),
  llmChatOpsTemplateId: text("a template id").default("editor_chat_ops_v1"),
  llmCompletionPromptCacheRetention: text("a string (may be empty)").default(""),
  llmChatPromptCacheRetention: text("a string (may be empty)").default(""),
  llmChatOpsPromptCacheRetention: text("a string (may be empty)").default(""),
  llmCompletionPromptCacheKey: text("a string (may be empty)").default(""),
  llmChatPromptCacheKey: text("a string (may be empty)").default(""),
  llmChatOpsPromptCacheKey: text("a string (may be empty)").default(""),
  llmCompletionExtraHeaders: text("a string (may be empty)").default(""),
  llmChatExtraHeaders: text("a string (may be empty)").default(""),
  llmChatOpsExtraHeaders: text("a string (may be empty)").default(""),
  llmChatTimeoutSeconds: positiveInt.default(120),
  llmChatOpsMaxTokens: positiveInt.default(1500),
  llmChatOpsTemperature: z
    .number({ error: "a number 0-2" })
    .min(0, { error: "a number 0-2" })
    .max(2, { error: "a number 0-2" })
    .default(0.2),
  llmChatOpsTimeoutSeconds: positiveInt.default(60),
  llmChatOpsContextWindowTokens: positiveInt.default(16384),
  llmChatOpsContextSafetyMarginTokens: positiveInt.default(256),
});

/** Parsed `hemma:app.env`. */
export type AppEnvConfig = z.output<typeof appEnvSchema>;

/** `emailSmtpHost` → `EMAIL_SMTP_HOST`: the container env name of an `app.env` key. */
export function envVarName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}
