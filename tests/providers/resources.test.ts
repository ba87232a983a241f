import * as pulumi from "@pulumi/pulumi";
import { installMocks } from "../../scripts/mock-engine";
import { sha256Hex } from "../../providers/digest";
import { HostFile } from "../../providers/host-file";
import { SystemdUnit } from "../../providers/systemd-unit";

const mocks = installMocks();

// The mock monitor's deserializer lifts a nested secret to its top-level property, so the key
// shows up here as a secret `connection`; the engine receives `connection.privateKey` secret.
// `__provider` is not a secret because the serialized provider captures none.

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBTAYmazVK6yPTYHtYudlZO/w0mdA6j9nHKwusoYdMae fixture";
const PRIVATE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nPRIVATE-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----\n";
const connection = {
  host: "127.0.0.1",
  port: 2222,
  user: "paunchygent",
  hostKey: KEY,
  privateKey: PRIVATE_KEY,
};

/** Inputs with every secret path removed, as JSON: what would be readable in state and diffs. */
function visible(inputs: Record<string, unknown>, secretPaths: readonly string[]): string {
  const copy = JSON.parse(JSON.stringify(inputs)) as Record<string, unknown>;
  for (const p of secretPaths) {
    const parts = p.split(".");
    let node = copy;
    for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
    delete node[parts[parts.length - 1] as string];
  }
  return JSON.stringify(copy);
}

beforeEach(() => mocks.reset());

describe("HostFile registration", () => {
  test("plain content: content and key are secrets, the digest stays readable, defaults are explicit", async () => {
    new HostFile("app-conf", {
      connection,
      path: "/etc/hemma/app.conf",
      content: "greeting=hello\n",
      validate: "true {}",
    });
    await mocks.settle();
    const r = mocks.get("pulumi-nodejs:dynamic/host:HostFile", "app-conf");
    expect([...r.secretPaths].sort()).toEqual(["connection", "content"]);
    expect(r.inputs).toMatchObject({
      connection: { ...connection, connectTimeoutSeconds: 10, commandTimeoutSeconds: 120 },
      path: "/etc/hemma/app.conf",
      content: "greeting=hello\n",
      digest: sha256Hex("greeting=hello\n"),
      mode: "0644",
      owner: "root",
      group: "root",
      validate: "true {}",
      createDirectories: false,
    });
    const shown = visible(r.inputs, r.secretPaths);
    expect(shown).not.toContain("greeting=hello");
    expect(shown).not.toContain("PRIVATE-KEY-MATERIAL");
    expect(shown).toContain(sha256Hex("greeting=hello\n"));
  });

  test("secret content: its digest is a secret too", async () => {
    new HostFile("secret-env", {
      connection,
      path: "/etc/hemma/secret.env",
      content: pulumi.secret("TOKEN=s3cr3t\n"),
      mode: "0600",
    });
    await mocks.settle();
    const r = mocks.get("pulumi-nodejs:dynamic/host:HostFile", "secret-env");
    expect([...r.secretPaths].sort()).toEqual(["connection", "content", "digest"]);
    expect(visible(r.inputs, r.secretPaths)).not.toContain("s3cr3t");
  });
});

describe("SystemdUnit registration", () => {
  test("unit with content", async () => {
    new SystemdUnit("web", {
      connection,
      name: "hemma-web.service",
      content: "[Service]\nExecStart=/bin/true\n",
      enabled: true,
      active: true,
    });
    await mocks.settle();
    const r = mocks.get("pulumi-nodejs:dynamic/host:SystemdUnit", "web");
    expect([...r.secretPaths].sort()).toEqual(["connection", "content"]);
    expect(r.inputs).toMatchObject({
      name: "hemma-web.service",
      directory: "/etc/systemd/system",
      digest: sha256Hex("[Service]\nExecStart=/bin/true\n"),
      enabled: true,
      active: true,
    });
    expect(visible(r.inputs, r.secretPaths)).not.toContain("ExecStart");
  });

  test("masking a stock unit sends no content and no digest", async () => {
    new SystemdUnit("no-apt-daily", { connection, name: "apt-daily.timer", masked: true });
    await mocks.settle();
    const r = mocks.get("pulumi-nodejs:dynamic/host:SystemdUnit", "no-apt-daily");
    expect(r.inputs.content).toBeUndefined();
    expect(r.inputs.digest).toBeUndefined();
    expect(r.inputs.masked).toBe(true);
  });
});

describe("declared content for a drift run's line diffs", () => {
  test("only with HEMMA_DRIFT_CAPTURE_DIR set, and never for a secret content", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const { captureStem, DRIFT_CAPTURE_ENV } = await import("../../providers/drift-capture");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-declared-"));
    new HostFile("outside-a-drift-run", { connection, path: "/etc/hemma/before.conf", content: "x\n" });
    await mocks.settle();
    process.env[DRIFT_CAPTURE_ENV] = dir;
    try {
      new HostFile("plain", { connection, path: "/etc/hemma/plain.conf", content: "a=1\n" });
      new HostFile("secret", {
        connection,
        path: "/etc/hemma/secret.env",
        content: pulumi.secret("TOKEN=s\n"),
      });
      new SystemdUnit("unit", { connection, name: "hemma-web.service", content: "[Service]\n" });
      new SystemdUnit("stock", { connection, name: "ddclient.service", enabled: true });
      await mocks.settle();
    } finally {
      delete process.env[DRIFT_CAPTURE_ENV];
    }
    const stem = (p: string) => captureStem("127.0.0.1", 2222, p);
    expect(fs.readdirSync(dir).sort()).toEqual(
      [
        `${stem("/etc/hemma/plain.conf")}.declared`,
        `${stem("/etc/systemd/system/hemma-web.service")}.declared`,
      ].sort(),
    );
    expect(fs.readFileSync(path.join(dir, `${stem("/etc/hemma/plain.conf")}.declared`), "utf8")).toBe(
      "a=1\n",
    );
    // The digest of a secret content stays a secret input.
    expect(mocks.get("pulumi-nodejs:dynamic/host:HostFile", "secret").secretPaths).toContain("digest");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
