import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { utils } from "ssh2";
import { sha256Hex } from "../../providers/digest";
import { cachedProviderLoader, unpackProviderLoader } from "../../providers/dynamic-resource";
import { hostFileProvider } from "../../providers/host-file";
import { sshPool } from "../../providers/ssh-pool";
import { systemdUnitProvider } from "../../providers/systemd-unit";
import { containerNetworksProvider } from "../../providers/container-networks";
import { strayContainersProvider } from "../../providers/stray-containers";
import { serviceContainersProvider } from "../../providers/service-containers";
import { containerHealthGateProvider } from "../../providers/container-health-gate";
import { hostImageProvider } from "../../providers/host-image";
import { hostDirectoryProvider } from "../../providers/host-directory";

const ROOT = path.resolve(__dirname, "..", "..");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBTAYmazVK6yPTYHtYudlZO/w0mdA6j9nHKwusoYdMae fixture";
// A real, throwaway client key, so connects get as far as the TCP dial.
const PRIVATE_KEY = utils.generateKeyPairSync("ed25519").private;

/**
 * Exactly what a host resource stores in `__provider` (DynamicResource: the SDK's serialization
 * in a compressed loader), serialized afresh: every call uses a cache directory of its own.
 */
async function serialize(
  provider: pulumi.dynamic.ResourceProvider,
): Promise<{ loader: string; text: string }> {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-serialize-"));
  try {
    // Rejects a provider that captures a secret (see the last test).
    const loader = await cachedProviderLoader(provider, "pulumi-nodejs:dynamic/host:Test", cache);
    return { loader, text: unpackProviderLoader(loader) };
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

// Each provider's first serialization, shared by the tests that only read it (serializing costs
// a few hundred ms of CPU); the byte-identity test still serializes a second time afresh.
const firstSerialization = new Map<object, Promise<{ loader: string; text: string }>>();
function serializedOnce(
  provider: pulumi.dynamic.ResourceProvider,
): Promise<{ loader: string; text: string }> {
  let s = firstSerialization.get(provider);
  if (s === undefined) {
    s = serialize(provider);
    firstSerialization.set(provider, s);
  }
  return s;
}

/**
 * What the engine's dynamic-provider process does with `__provider` (it loads the text as a
 * CommonJS module and calls `handler()`). Evaluated in this test's own realm, not with
 * `require-from-string`, so `globalThis` is the one jest gives this file.
 */
function revive(text: string): pulumi.dynamic.ResourceProvider {
  const mod = { exports: {} as { handler?: () => pulumi.dynamic.ResourceProvider } };
  new Function("exports", "require", "module", text)(mod.exports, require, mod);
  if (mod.exports.handler === undefined) {
    throw new Error("serialized provider exports no handler");
  }
  return mod.exports.handler();
}

describe.each([
  ["HostFile", hostFileProvider],
  ["SystemdUnit", systemdUnitProvider],
  ["ContainerNetworks", containerNetworksProvider],
  ["StrayContainers", strayContainersProvider],
  ["ServiceContainers", serviceContainersProvider],
  ["ContainerHealthGate", containerHealthGateProvider],
  ["HostImage", hostImageProvider],
  ["HostDirectory", hostDirectoryProvider],
] as const)("%s provider serialization", (_name, provider) => {
  test("holds no secret, no checkout path, and requires ssh2 as a package", async () => {
    const { loader, text } = await serializedOnce(provider);
    expect(loader).not.toContain(ROOT);
    expect(text).not.toContain(ROOT);
    expect(text).not.toContain("PRIVATE KEY");
    expect(text).not.toContain(PRIVATE_KEY.split("\n")[1] as string);
    expect(text).toContain('require("ssh2/lib/index.js")');
    // The pool is looked up on globalThis at call time, never captured (see the next test).
    expect(text).toContain('Symbol.for("hemma.ssh.pool")');
  });

  test("is byte-identical across serializations, also after the provider has been used", async () => {
    const first = (await serializedOnce(provider)).loader;
    const revived = revive(first);
    // A failed connect mutates the process-wide pool; the serialized code must not change.
    await expect(
      revived.read!("id", {
        connection: {
          host: "127.0.0.1",
          port: 1,
          user: "paunchygent",
          hostKey: KEY,
          privateKey: PRIVATE_KEY,
          connectTimeoutSeconds: 2,
          commandTimeoutSeconds: 5,
        },
        name: "a.service",
        path: "/etc/a",
        directory: "/etc/systemd/system",
        hasContent: true,
        // The docker guards' fields, so every provider's read gets as far as the connect.
        dockerBinary: "/usr/bin/docker",
        container: "c",
        declared: [],
        claims: { names: [], labels: [], aliases: [], virtualHosts: [] },
        managedLabel: { key: "k", value: "v" },
        serviceLabel: "s",
        services: [],
        keep: [],
        ref: "r:1",
        owner: "root",
        group: "root",
      }),
    ).rejects.toThrow("cannot connect to 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1");
    expect((await serialize(provider)).loader).toBe(first);
  });
});

describe("revived providers behave like the originals", () => {
  test("HostFile check and diff work after a round trip through the serialized text", async () => {
    const p = revive((await serializedOnce(hostFileProvider)).loader);
    const connection = {
      host: "127.0.0.1",
      port: 2222,
      user: "paunchygent",
      hostKey: KEY,
      privateKey: PRIVATE_KEY,
      connectTimeoutSeconds: 10,
      commandTimeoutSeconds: 120,
    };
    const checked = await p.check!({}, { connection, path: "/etc/a.conf", content: "x\n", mode: "600" });
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({
      digest: sha256Hex("x\n"),
      mode: "0600",
      owner: "root",
      group: "root",
    });
    const olds = { ...checked.inputs, content: undefined, adopted: false, createdDirectories: [] };
    expect(await p.diff!("id", olds, checked.inputs)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await p.diff!("id", { ...olds, mode: "0644" }, checked.inputs)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("SystemdUnit check catches a bad name after a round trip", async () => {
    const p = revive((await serializedOnce(systemdUnitProvider)).loader);
    const r = await p.check!(
      {},
      {
        connection: {
          host: "h",
          port: 22,
          user: "u",
          hostKey: KEY,
          privateKey: "k",
          connectTimeoutSeconds: 1,
          commandTimeoutSeconds: 1,
        },
        name: "nope",
      },
    );
    expect(r.failures?.map((f) => f.property)).toEqual(["name"]);
  });

  test("revived copies share the one pool on globalThis with this module", async () => {
    const before = sshPool().opened;
    const p = revive((await serializedOnce(hostFileProvider)).loader);
    const connection = {
      host: "127.0.0.1",
      port: 1,
      user: "paunchygent",
      hostKey: KEY,
      privateKey: PRIVATE_KEY,
      connectTimeoutSeconds: 2,
      commandTimeoutSeconds: 5,
    };
    await expect(p.read!("id", { connection, path: "/etc/a" })).rejects.toThrow(
      "cannot connect to 127.0.0.1:1",
    );
    expect(sshPool().opened).toBe(before + 1);
    expect(sshPool()).toBe((globalThis as unknown as Record<symbol, unknown>)[Symbol.for("hemma.ssh.pool")]);
  });
});

test("a provider that captures a secret is refused: it would sit in clear in state", async () => {
  const token = pulumi.secret("s3cret");
  const leaky: pulumi.dynamic.ResourceProvider = {
    create: async () => ({ id: "x", outs: { token } }),
  };
  await expect(serialize(leaky)).rejects.toThrow(
    "a dynamic provider must not capture a secret: it would be stored in clear in state",
  );
});
