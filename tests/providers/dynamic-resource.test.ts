import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  cachedProviderLoader,
  CODE_PROVIDER_NAME,
  PROVIDER_CODE_KEY,
  providerCodeKey,
  providerLoader,
  providerStub,
  unpackProviderLoader,
} from "../../providers/dynamic-resource";
import { HOST_FILE_TYPE, hostFileProvider } from "../../providers/host-file";
import { SYSTEMD_UNIT_TYPE, systemdUnitProvider } from "../../providers/systemd-unit";
import { installMocks } from "../../scripts/mock-engine";
// The class the SDK's dynamic-provider process hands to `configure`.
import { Config } from "@pulumi/pulumi/cmd/dynamic-provider/config";

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
  // The cache's own rules, over a stand-in serialization: the SDK's real one (a few hundred ms of
  // CPU each) is what the next test and providers/serialization.test.ts check.
  const serialized = {
    text: "exports.handler = () => ({});\n",
    exportName: "handler",
    containsSecrets: false,
  };

  test("serializes once per key: the second run reads the cache, byte for byte the same", async () => {
    const spy = jest.spyOn(pulumi.runtime, "serializeFunction").mockResolvedValue(serialized);
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
    const spy = jest.spyOn(pulumi.runtime, "serializeFunction").mockResolvedValue(serialized);
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

/** The SDK dynamic-provider process's `Config` over `raw`, the provider's configuration. */
function sdkConfig(raw: Record<string, unknown>): pulumi.dynamic.Config {
  return new Config(raw, "hemma");
}

describe("providerStub", () => {
  test("offers exactly the provider's methods, run from the code the configuration holds", async () => {
    const stub = providerStub(SYSTEMD_UNIT_TYPE.token, systemdUnitProvider);
    expect(stub.length).toBeLessThan(2000);
    const proxy = revive(stub) as pulumi.dynamic.ResourceProvider & Record<string, unknown>;
    const methods = Object.keys(systemdUnitProvider).filter((k) => k !== "configure");
    expect(Object.keys(proxy).sort()).toEqual(["configure", ...methods].sort());
    const code = {
      [SYSTEMD_UNIT_TYPE.token]: await cachedProviderLoader(
        systemdUnitProvider,
        SYSTEMD_UNIT_TYPE.token,
        cache,
      ),
    };
    await proxy.configure!({ config: sdkConfig({ [PROVIDER_CODE_KEY]: code }) });
    const r = await proxy.check!({}, { name: "nope" });
    expect(r.failures?.map((f) => f.property)).toContain("name");
  });

  test("a provider without read or update gets none, and its own configure runs after the code is loaded", async () => {
    const token = "pulumi-nodejs:dynamic/test:Partial";
    const partial: pulumi.dynamic.ResourceProvider = {
      async configure(req) {
        (globalThis as Record<string, unknown>).hemmaPartialConfigured = req.config.get("test:flag");
      },
      async create() {
        return { id: "p" };
      },
      async delete() {},
    };
    const proxy = revive(providerStub(token, partial)) as pulumi.dynamic.ResourceProvider &
      Record<string, unknown>;
    // The SDK reads a provider without `read` as "nothing to refresh", without `update` as "replace".
    expect(Object.keys(proxy).sort()).toEqual(["configure", "create", "delete"]);
    const code = { [token]: await cachedProviderLoader(partial, token, cache) };
    await proxy.configure!({ config: sdkConfig({ [PROVIDER_CODE_KEY]: code, "test:flag": "on" }) });
    expect((globalThis as Record<string, unknown>).hemmaPartialConfigured).toBe("on");
    expect(await proxy.create!({})).toEqual({ id: "p" });
  });

  test("a configuration without the type's code is refused by name, and no method runs", async () => {
    const proxy = revive(providerStub(HOST_FILE_TYPE.token, hostFileProvider));
    await expect(proxy.check!({}, {})).rejects.toThrow(/used before its provider code was configured/);
    await expect(proxy.configure!({ config: sdkConfig({ [PROVIDER_CODE_KEY]: {} }) })).rejects.toThrow(
      `the provider ${CODE_PROVIDER_NAME} of this stack holds no code for ${HOST_FILE_TYPE.token}`,
    );
  });
});

describe("DYNAMIC_PROVIDER_TYPES", () => {
  test("lists the provider of every class that extends DynamicResource, once", async () => {
    const { DYNAMIC_PROVIDER_TYPES } = await import("../../providers/provider-registry");
    const tokens = DYNAMIC_PROVIDER_TYPES.map((t) => t.token);
    expect(new Set(tokens).size).toBe(tokens.length);
    let classes = 0;
    for (const file of fs.readdirSync(PROVIDERS_DIR).filter((f) => f.endsWith(".ts"))) {
      const source = fs.readFileSync(path.join(PROVIDERS_DIR, file), "utf8");
      for (const m of source.matchAll(/export class (\w+) extends DynamicResource/g)) {
        classes += 1;
        const mod = (await import(path.join(PROVIDERS_DIR, file))) as Record<string, unknown>;
        const own = Object.values(mod).filter(
          (v): v is { token: string } => typeof (v as { token?: unknown })?.token === "string",
        );
        expect([m[1], own.some((t) => t.token.endsWith(`:${m[1]}`) && tokens.includes(t.token))]).toEqual([
          m[1],
          true,
        ]);
      }
    }
    expect(classes).toBe(tokens.length);
  });
});

describe("DynamicResource registration", () => {
  const mocks = installMocks();
  test("registers the type token with the stub as __provider, served by the one code provider", async () => {
    const { HostFile } = await import("../../providers/host-file");
    const { DYNAMIC_PROVIDER_TYPES } = await import("../../providers/provider-registry");
    const connection = { host: "h", port: 22, user: "u", hostKey: "ssh-ed25519 AAAA", privateKey: "k" };
    new HostFile("f", { connection, path: "/etc/f", content: "x\n" });
    new HostFile("g", { connection, path: "/etc/g", content: "y\n" });
    await mocks.settle();
    const [code, ...more] = mocks.ofType("pulumi:providers:pulumi-nodejs");
    expect([code?.name, more]).toEqual([CODE_PROVIDER_NAME, []]);
    const map = code!.inputs[PROVIDER_CODE_KEY] as Record<string, string>;
    expect(Object.keys(map)).toEqual(DYNAMIC_PROVIDER_TYPES.map((t) => t.token).sort());
    expect(unpackProviderLoader(map[HOST_FILE_TYPE.token]!)).toContain("exports.handler = __f0;");
    for (const name of ["f", "g"]) {
      const r = mocks.get(HOST_FILE_TYPE.token, name);
      expect(r.secretPaths).not.toContain("__provider");
      expect(r.inputs.__provider).toBe(providerStub(HOST_FILE_TYPE.token, hostFileProvider));
      expect(r.provider).toBe(`${code!.urn}::${CODE_PROVIDER_NAME}-id`);
    }
  });

  test("refuses a provider option: the code provider serves every dynamic resource", () => {
    const { HostFile } =
      jest.requireActual<typeof import("../../providers/host-file")>("../../providers/host-file");
    class Other extends pulumi.ProviderResource {}
    const other = new Other("pulumi-nodejs", "other", {});
    expect(
      () =>
        new HostFile(
          "h",
          {
            connection: { host: "h", port: 22, user: "u", hostKey: "k", privateKey: "k" },
            path: "/etc/h",
            content: "",
          },
          { provider: other },
        ),
    ).toThrow("a dynamic resource's provider is the stack's code provider");
  });
});
