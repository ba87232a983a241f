/**
 * `loadProgramConfig()` inside a (mocked) Pulumi program: config from the engine, the same
 * checks as validate, secrets as secret Outputs.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { loadProgramConfig } from "../../config/load";
import { SECRETS } from "../../config/secrets";
import { ROOT, completeProd, hostKeyLine, type StackDoc } from "./fixtures";

/** Plaintext each secret has in the engine's config, as the engine hands decrypted secrets to the program. */
const plaintextOf = (key: string) => `plain-${key}`;

/**
 * Puts a stack document into the runtime config the way the engine does: structured values as
 * JSON text, secret keys decrypted and listed as secret. `plainSecrets` are set but not marked secret.
 */
function setEngineConfig(doc: StackDoc, plainSecrets: readonly string[] = []): void {
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(doc.config)) {
    if (value && typeof value === "object" && "secure" in value) {
      values[key] = plaintextOf(key.slice("hemma:".length));
      secretKeys.push(key);
    } else values[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  for (const key of plainSecrets) values[`hemma:${key}`] = plaintextOf(key);
  pulumi.runtime.setAllConfig(values, secretKeys);
}

function unwrap<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

function emptyDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "hemma-program-"));
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: () => {
        throw new Error("loadProgramConfig must not register resources");
      },
      call: (args) => {
        throw new Error(`unexpected call ${args.token}`);
      },
    },
    "hemma",
    "prod",
    false,
  );
});

describe("loadProgramConfig", () => {
  it("returns the parsed config and every secret as a secret Output", async () => {
    const doc = completeProd();
    setEngineConfig(doc);
    const { config, secrets } = loadProgramConfig({ stack: "prod", projectDir: emptyDir() });

    expect(config.ssh).toEqual({
      host: "hemma.tail730aa2.ts.net",
      port: 22,
      user: "paunchygent",
      hostKey: hostKeyLine(),
      connectTimeoutSeconds: 10,
      commandTimeoutSeconds: 120,
    });
    expect(config.postgres.databases).toEqual([{ name: "skriptoteket", owner: "skriptoteket" }]);
    expect(config.app.env.emailSmtpHost).toBe("mail.privateemail.com");

    expect(Object.keys(secrets).sort()).toEqual(SECRETS.map((s) => s.key).sort());
    for (const key of Object.keys(secrets) as (keyof typeof secrets)[]) {
      expect(await pulumi.isSecret(secrets[key])).toBe(true);
    }
    expect(await unwrap(secrets.postgresAdminPassword)).toBe("plain-postgresAdminPassword");
    expect(await unwrap(secrets.sshPrivateKey)).toBe("plain-sshPrivateKey");
    // Optional and unset: the documented empty default, still secret.
    expect(await unwrap(secrets.openaiLlmChatApiKey)).toBe("");
  });

  it("throws one Error listing every problem, in validate's format", () => {
    const doc = completeProd();
    doc.config["hemma:ssh"].port = 70000;
    doc.config["hemma:ssh"].prot = 22;
    doc.config["hemma:domains"].app = "skripto teket.hule.education";
    setEngineConfig(doc);
    let message = "";
    try {
      loadProgramConfig({ stack: "prod", projectDir: emptyDir() });
    } catch (err) {
      message = (err as Error).message;
    }
    const lines = message.split("\n");
    expect(lines[0]).toMatch(
      /^hemma: the config of stack 'prod' has \d+ problems \(`npm run validate -- prod` shows the same list\):$/,
    );
    expect(lines).toContain("  hemma:ssh.port: got 70000; expected a port number 1-65535");
    expect(lines).toContain(
      "  hemma:ssh.prot: got 22; expected no key named 'prot' here (did you mean 'port'?); known keys: host, port, user, hostKey, connectTimeoutSeconds, commandTimeoutSeconds",
    );
    expect(lines).toContain(
      '  hemma:domains.app: got "skripto teket.hule.education"; expected a public hostname: two or more lower-case RFC 1123 labels joined by dots, no spaces',
    );
  });

  it("rejects a secret the engine holds in plaintext, without printing it", () => {
    const doc = completeProd();
    delete doc.config["hemma:skriptoteketSecretKey"];
    setEngineConfig(doc, ["skriptoteketSecretKey"]);
    let message = "";
    try {
      loadProgramConfig({ stack: "prod", projectDir: emptyDir() });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toContain(plaintextOf("skriptoteketSecretKey"));
    expect(message).toContain(
      "  hemma:skriptoteketSecretKey: got plaintext: a string (27 characters); expected a secret: remove the plaintext and run `pulumi config set --secret --stack prod hemma:skriptoteketSecretKey`",
    );
  });

  it("names a missing required secret", () => {
    const doc = completeProd();
    delete doc.config["hemma:emailSmtpPassword"];
    setEngineConfig(doc);
    expect(() => loadProgramConfig({ stack: "prod", projectDir: emptyDir() })).toThrow(
      "  hemma:emailSmtpPassword: got nothing (secret not set); expected a secret: SMTP password for outgoing mail (EMAIL_SMTP_PASSWORD)",
    );
  });

  describe("dev stack", () => {
    const devDoc = (): StackDoc => YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));

    it("refuses to run while the sandbox's values are pending", () => {
      setEngineConfig(devDoc());
      expect(() => loadProgramConfig({ stack: "dev", projectDir: emptyDir() })).toThrow(
        /hemma: the config of stack 'dev' has 5 problems[^\n]*\n {2}hemma:ssh\.hostKey: got nothing \(key is missing\);[^\n]*\n {2}hemma:dns\.apiBaseUrl: got nothing \(key is missing\);[^\n]*\n {2}hemma:dns\.ddclient\.server: got nothing \(key is missing\);[^\n]*\n {2}hemma:dns\.ddclient\.caFile: got nothing \(key is missing\);[^\n]*\n {2}hemma:sshPrivateKey: got nothing \(secret not set\);/,
      );
    });

    it("merges .sandbox/dev-overrides.yaml and returns its private key as a secret", async () => {
      setEngineConfig(devDoc());
      const dir = emptyDir();
      fs.mkdirSync(path.join(dir, ".sandbox"));
      fs.writeFileSync(
        path.join(dir, ".sandbox/dev-overrides.yaml"),
        YAML.stringify({
          config: {
            "hemma:ssh": { port: 2300, hostKey: hostKeyLine(3) },
            "hemma:dns": {
              apiBaseUrl: "http://172.18.0.1:8787/client/v4",
              ddclient: { server: "172.18.0.1:8443/client/v4", caFile: "/etc/ca.pem" },
            },
            "hemma:sshPrivateKey": "PRIVATE-KEY-TEXT",
          },
        }),
      );
      const { config, secrets } = loadProgramConfig({ stack: "dev", projectDir: dir });
      expect(config.ssh.port).toBe(2300);
      expect(config.ssh.hostKey).toBe(hostKeyLine(3));
      expect(config.ssh.host).toBe("127.0.0.1");
      expect(await pulumi.isSecret(secrets.sshPrivateKey)).toBe(true);
      expect(await unwrap(secrets.sshPrivateKey)).toBe("PRIVATE-KEY-TEXT");
      expect(await unwrap(secrets.postgresAdminPassword)).toBe("plain-postgresAdminPassword");
      expect(config.dns?.apiBaseUrl).toBe("http://172.18.0.1:8787/client/v4");
      expect(await pulumi.isSecret(secrets.cloudflareApiToken)).toBe(true);
      expect(await unwrap(secrets.cloudflareApiToken)).toBe("plain-cloudflareApiToken");
    });
  });
});
