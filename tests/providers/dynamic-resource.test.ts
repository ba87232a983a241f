import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  cachedProviderLoader,
  providerCodeKey,
  providerLoader,
  unpackProviderLoader,
} from "../../providers/dynamic-resource";
import { hostFileProvider } from "../../providers/host-file";
import { systemdUnitProvider } from "../../providers/systemd-unit";
import { installMocks } from "../../scripts/mock-engine";

const PROVIDERS_DIR = path.resolve(__dirname, "..", "..", "providers");

/** What the dynamic-provider process does with `__provider`: load it as a module and call `handler()`. */
function revive(text: string): pulumi.dynamic.ResourceProvider {
  const mod = { exports: {} as { handler?: () => pulumi.dynamic.ResourceProvider } };
  new Function("exports", "require", "module", text)(mod.exports, require, mod);
  return mod.exports.handler!();
}

let cache: string;
beforeEach(() => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-provider-cache-"));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(cache, { recursive: true, force: true });
});

describe("providerLoader", () => {
  test("wraps the serialized module compressed, and runs it unchanged", () => {
    const body = Array.from({ length: 200 }, (_, i) => `  // helper ${i} of the provider\n`).join("");
    const serialized = `exports.handler = () => ({ answer: () => 42 });\n${body}`;
    const loader = providerLoader(serialized);
    expect(loader.length).toBeLessThan(serialized.length);
    expect(unpackProviderLoader(loader)).toBe(serialized);
    const p = revive(loader) as unknown as { answer: () => number };
    expect(p.answer()).toBe(42);
  });
});

describe("cachedProviderLoader", () => {
  test("serializes once per key: the second run reads the cache, byte for byte the same", async () => {
    const spy = jest.spyOn(pulumi.runtime, "serializeFunction");
    const first = await cachedProviderLoader(hostFileProvider, "pulumi-nodejs:dynamic/host:HostFile", cache);
    expect(spy).toHaveBeenCalledTimes(1);
    const second = await cachedProviderLoader(hostFileProvider, "pulumi-nodejs:dynamic/host:HostFile", cache);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
    const [file] = fs.readdirSync(cache);
    expect(fs.statSync(path.join(cache, file!)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(cache).mode & 0o077).toBe(0);
  });

  test("what it stores is the SDK's serialization of the provider, which works after a round trip", async () => {
    const loader = await cachedProviderLoader(
      systemdUnitProvider,
      "pulumi-nodejs:dynamic/host:SystemdUnit",
      cache,
    );
    // As pulumi.dynamic.Resource serializes it: a closure over its `provider` argument.
    const provider = systemdUnitProvider;
    const direct = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    expect(unpackProviderLoader(loader)).toBe(direct.text);
    const p = revive(loader);
    const r = await p.check!({}, { name: "nope" });
    expect(r.failures?.map((f) => f.property)).toContain("name");
  });

  test("a cache directory others may write is not used", async () => {
    fs.chmodSync(cache, 0o777);
    const spy = jest.spyOn(pulumi.runtime, "serializeFunction");
    await cachedProviderLoader(hostFileProvider, "t", cache);
    await cachedProviderLoader(hostFileProvider, "t", cache);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(fs.readdirSync(cache)).toEqual([]);
  });
});

describe("providerCodeKey", () => {
  test("changes with any providers/ source, the resource type and the provider's methods", () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "hemma-providers-"));
    for (const f of fs.readdirSync(PROVIDERS_DIR))
      fs.copyFileSync(path.join(PROVIDERS_DIR, f), path.join(copy, f));
    const key = providerCodeKey(hostFileProvider, "T", copy);
    expect(key).toBe(providerCodeKey(hostFileProvider, "T", PROVIDERS_DIR));
    expect(providerCodeKey(hostFileProvider, "U", copy)).not.toBe(key);
    expect(providerCodeKey(systemdUnitProvider, "T", copy)).not.toBe(key);
    fs.appendFileSync(path.join(copy, "shell.ts"), "\n// changed\n");
    expect(providerCodeKey(hostFileProvider, "T", copy)).not.toBe(key);
    fs.rmSync(copy, { recursive: true, force: true });
  });
});

describe("DynamicResource registration", () => {
  const mocks = installMocks();
  test("registers the dynamic type token with the loader as __provider, not a secret", async () => {
    const { HostFile } = await import("../../providers/host-file");
    new HostFile("f", {
      connection: { host: "h", port: 22, user: "u", hostKey: "ssh-ed25519 AAAA", privateKey: "k" },
      path: "/etc/f",
      content: "x\n",
    });
    await mocks.settle();
    const r = mocks.get("pulumi-nodejs:dynamic/host:HostFile", "f");
    expect(r.secretPaths).not.toContain("__provider");
    const text = r.inputs.__provider as string;
    expect(text.startsWith("exports.handler = () => {")).toBe(true);
    expect(unpackProviderLoader(text)).toContain("exports.handler = __f0;");
  });
});
