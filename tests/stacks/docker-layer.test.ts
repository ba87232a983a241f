import * as pulumi from "@pulumi/pulumi";
import { installMocks } from "../../scripts/mock-engine";
import { appEnvSettings, rolePassword } from "../../stacks/layers/docker";
import { appEnvSchema } from "../../config/schema/app-env";
import type { HemmaSecrets } from "../../config/secrets";
import { SPEC_DEFAULT_SETTINGS } from "../components/docker/spec-env-keys";

installMocks();

test("the app.env defaults render exactly the spec's compose defaults", () => {
  expect(appEnvSettings(appEnvSchema.parse({}))).toEqual(SPEC_DEFAULT_SETTINGS);
});

test("booleans and numbers render as the app reads them", () => {
  const s = appEnvSettings(
    appEnvSchema.parse({ emailSmtpPort: 2525, healthzSmtpCheckEnabled: false, llmChatOpsTemperature: 0.5 }),
  );
  expect([s.EMAIL_SMTP_PORT, s.HEALTHZ_SMTP_CHECK_ENABLED, s.LLM_CHAT_OPS_TEMPERATURE]).toEqual([
    "2525",
    "false",
    "0.5",
  ]);
});

test("only the skriptoteket role has a password secret", () => {
  const secrets = { skriptoteketDbPassword: pulumi.secret("x") } as unknown as HemmaSecrets;
  expect(rolePassword("skriptoteket", secrets)).toBe(secrets.skriptoteketDbPassword);
  expect(() => rolePassword("huleedu_user", secrets)).toThrow("role huleedu_user has no password secret");
});
