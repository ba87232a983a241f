import * as pulumi from "@pulumi/pulumi";
import { installMocks, valueOf, isSecretOutput } from "../../../scripts/mock-engine";
import { dockerEnvs, envFileContent, skriptoteketEnv } from "../../../components/docker/skriptoteket-env";
import { SPEC_DEFAULT_SETTINGS, SPEC_ENV_KEYS, SPEC_SECRET_KEYS } from "./spec-env-keys";

installMocks();

const RUNNER = `skriptoteket-runner:${"b".repeat(40)}`;

function env(settings = SPEC_DEFAULT_SETTINGS, password = "p@ss/w:rd") {
  return skriptoteketEnv({
    settings,
    domain: "skriptoteket.hule.education",
    runnerImage: RUNNER,
    runnerQueueEnabled: true,
    database: { host: "shared-postgres", port: 5432, name: "skriptoteket", user: "skriptoteket" },
    secrets: {
      databasePassword: pulumi.secret(password),
      secretKey: pulumi.secret("sk"),
      smtpUsername: pulumi.secret("mailer"),
      smtpPassword: pulumi.secret("smtp-pw"),
      openaiCompletionApiKey: pulumi.secret(""),
      openaiChatApiKey: pulumi.secret("chat-key"),
      openaiChatOpsApiKey: pulumi.secret(""),
    },
  });
}

test("has exactly the 56 keys of spec §2.2, sorted", () => {
  const keys = env().map((e) => e.key);
  expect(keys).toHaveLength(56);
  expect(keys).toEqual([...SPEC_ENV_KEYS].sort());
});

test("exactly the spec's secret keys are secret Outputs", async () => {
  const entries = env();
  expect(
    entries
      .filter((e) => e.secret)
      .map((e) => e.key)
      .sort(),
  ).toEqual([...SPEC_SECRET_KEYS].sort());
  for (const e of entries.filter((x) => x.secret)) {
    expect(await isSecretOutput(e.value)).toBe(true);
  }
});

test("pinned literals and proxy keys have the spec's values", () => {
  const plain = Object.fromEntries(env().flatMap((e) => (e.secret ? [] : [[e.key, e.value]])));
  expect(plain).toMatchObject({
    ENVIRONMENT: "production",
    COOKIE_SECURE: "true",
    RUNNER_IMAGE: RUNNER,
    RUNNER_QUEUE_ENABLED: "true",
    ARTIFACTS_ROOT: "/app/.artifacts",
    SERVICE_VERSION: "0.1.0",
    LLM_CHAT_OPS_SYSTEM_PROMPT_MAX_TOKENS: "4096",
    VIRTUAL_HOST: "skriptoteket.hule.education",
    VIRTUAL_PORT: "8000",
    LETSENCRYPT_HOST: "skriptoteket.hule.education",
    EMAIL_SMTP_HOST: "mail.privateemail.com",
  });
});

test("DATABASE_URL URL-encodes the password and stays secret", async () => {
  const url = env().find((e) => e.key === "DATABASE_URL")!;
  expect(await valueOf(url.value)).toBe(
    "postgresql+asyncpg://skriptoteket:p%40ss%2Fw%3Ard@shared-postgres:5432/skriptoteket",
  );
  expect(await isSecretOutput(url.value)).toBe(true);
});

test.each([["SECRET_KEY"], ["RUNNER_IMAGE"], ["VIRTUAL_HOST"], ["DATABASE_URL"]])(
  "a setting may not override %s",
  (key) => {
    expect(() => env({ ...SPEC_DEFAULT_SETTINGS, [key]: "x" })).toThrow(
      `setting ${key} would override a pinned or secret key`,
    );
  },
);

test("settings must be env names without line breaks", () => {
  expect(() => env({ lower: "x" })).toThrow("lower is not an env variable name");
  expect(() => env({ A: "x\ny" })).toThrow("A contains a line break");
});

test("dockerEnvs keeps secrets secret", async () => {
  const envs = dockerEnvs(env());
  expect(await isSecretOutput(envs.find((e) => typeof e !== "string")!)).toBe(true);
  expect(envs.filter((e) => typeof e !== "string")).toHaveLength(7);
  expect(envs).toContain("VIRTUAL_PORT=8000");
});

test("envFileContent renders KEY=value lines, secret", async () => {
  const content = envFileContent(env().filter((e) => ["SECRET_KEY", "ENVIRONMENT"].includes(e.key)));
  expect(await valueOf(content)).toBe("ENVIRONMENT=production\nSECRET_KEY=sk\n");
  expect(await isSecretOutput(content)).toBe(true);
});
