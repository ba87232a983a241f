import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { privateDir, readCached, writeCached } from "../runtime/private-cache";

/*
 * `pulumi.dynamic.Resource`, with the provider code built once per provider version instead of
 * once per process, and stored once per stack instead of once per resource (docs/decisions/0110).
 *
 * The SDK serializes the provider's closure on first use in every process: it loads the
 * TypeScript compiler to analyse each function, seconds per run. Here the text is kept in a
 * private cache keyed by everything it is derived from, as a small loader holding the
 * brotli-compressed, base64 text: the dynamic-provider process decompresses it once per provider
 * and runs exactly the code the SDK serialized.
 *
 * The SDK would also put that text (17 KB compressed for a host file) into each resource's
 * `__provider`, so it crossed every engine call several times and sat in state per resource.
 * Here each resource's `__provider` is a stub of under 1 KB, and the code of every type is the
 * configuration of one explicit `pulumi-nodejs` provider per stack, which the SDK's
 * dynamic-provider process hands to the stub's `configure`. The engine keeps a provider's
 * configuration in state and reads and deletes a resource with the provider that state names,
 * so a refresh or a delete still runs the code the state was written with, and a new version of
 * the code is one update of that provider, not one of each resource.
 *
 * Nothing here is captured by a provider: only the resource classes use this module.
 */

/** Bumped when the loader format changes, so no cache entry of another format is used. */
const FORMAT = "hemma-provider-loader-1";

/** Where serialized provider code is cached: `HEMMA_PROVIDER_CODE_CACHE`, else `~/.cache/hemma-infra/provider-code`. */
export function providerCodeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HEMMA_PROVIDER_CODE_CACHE ?? path.join(os.homedir(), ".cache", "hemma-infra", "provider-code");
}

/**
 * The cache key of a provider's code: the loader format, the SDK and Node.js versions (the
 * serializer and `Function.prototype.toString`), every source file of `providers/` (a provider
 * captures only these modules by value; packages are `require`d), the resource type, and the
 * compiled text of the provider's own methods (so two transpilers never share an entry).
 */
export function providerCodeKey(
  provider: object,
  resourceType: string,
  sourceDir: string = __dirname,
): string {
  const hash = createHash("sha256");
  const sdk = (
    JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as { version: string }
  ).version;
  hash.update(`${FORMAT}\0${sdk}\0${process.version}\0${resourceType}\0`);
  for (const file of fs
    .readdirSync(sourceDir)
    .filter((f) => /\.(ts|js)$/.test(f))
    .sort()) {
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(sourceDir, file)))
      .update("\0");
  }
  for (const [name, value] of Object.entries(provider).sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(`${name}\0${typeof value === "function" ? Function.prototype.toString.call(value) : ""}\0`);
  }
  return hash.digest("hex");
}

/**
 * The `__provider` text for serialized module text `serialized` (what
 * `pulumi.runtime.serializeFunction(() => provider)` returns): a CommonJS module whose `handler`
 * decompresses and runs it with the loader's own `require`, then returns its `handler()`.
 */
export function providerLoader(serialized: string): string {
  const packed = zlib
    .brotliCompressSync(Buffer.from(serialized, "utf8"), {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 },
    })
    .toString("base64");
  return (
    `exports.handler = () => { const m = { exports: {} }; ` +
    `new Function("exports", "module", "require", require("zlib").brotliDecompressSync(Buffer.from("${packed}", "base64")).toString("utf8"))(m.exports, m, require); ` +
    `return m.exports.handler(); };\n`
  );
}

/** The serialized module inside a {@link providerLoader} text, for tests and inspection. */
export function unpackProviderLoader(loader: string): string {
  const packed = /Buffer\.from\("([A-Za-z0-9+/=]*)", "base64"\)/.exec(loader)?.[1];
  if (packed === undefined) throw new Error("not a provider loader");
  return zlib.brotliDecompressSync(Buffer.from(packed, "base64")).toString("utf8");
}

async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<string> {
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  if (sf.containsSecrets) {
    throw new Error("a dynamic provider must not capture a secret: it would be stored in clear in state");
  }
  return sf.text;
}

/**
 * The `__provider` text of `provider` ({@link providerLoader} of its serialized code), from the
 * cache when an entry for the same key is there, else serialized and compressed now and cached.
 * A cache that cannot be read or written is skipped.
 */
export async function cachedProviderLoader(
  provider: pulumi.dynamic.ResourceProvider,
  resourceType: string,
  cacheDir: string = providerCodeCacheDir(),
): Promise<string> {
  const dir = privateDir(cacheDir);
  const name = `${providerCodeKey(provider, resourceType)}.js`;
  const hit = readCached(dir, name);
  if (hit !== undefined) return hit;
  const text = providerLoader(await serializeProvider(provider));
  writeCached(dir, name, text);
  return text;
}

/** A dynamic provider with the type token its resources register under. */
export interface DynamicProviderType {
  /** `pulumi-nodejs:dynamic/<module>:<type>`. */
  readonly token: string;
  /** The provider; its code travels once per stack, in the {@link CODE_PROVIDER_NAME} provider. */
  readonly provider: pulumi.dynamic.ResourceProvider;
}

/** The {@link DynamicProviderType} of `provider` for resources of type `pulumi-nodejs:dynamic/<module>:<type>`. */
export function dynamicProviderType(
  module: string,
  type: string,
  provider: pulumi.dynamic.ResourceProvider,
): DynamicProviderType {
  return { token: `pulumi-nodejs:dynamic/${module}:${type}`, provider };
}

/** Name of the explicit `pulumi-nodejs` provider resource that holds the provider code of a stack. */
export const CODE_PROVIDER_NAME = "hemma-provider-code";

/** Its input: type token to {@link providerLoader} text, for every type of `providers/provider-registry.ts`. */
export const PROVIDER_CODE_KEY = "hemma:providerCode";

/**
 * The `__provider` text of a resource of `token`: a small module whose provider takes the real
 * one's code from the provider configuration ({@link PROVIDER_CODE_KEY}), which the SDK's
 * dynamic-provider process hands to `configure` before any other call. It offers exactly the
 * methods `provider` has, since the SDK checks which exist (no `read` means no refresh read).
 */
export function providerStub(token: string, provider: pulumi.dynamic.ResourceProvider): string {
  const methods = Object.entries(provider)
    .filter(([name, value]) => typeof value === "function" && name !== "configure")
    .map(([name]) => name)
    .sort();
  const forward = methods.map((m) => `${m}: async (...a) => loaded().${m}(...a)`).join(", ");
  return (
    `exports.handler = () => { const token = ${JSON.stringify(token)}; let real; ` +
    `const loaded = () => { if (real === undefined) throw new Error("hemma-infra: " + token + " was used before its provider code was configured"); return real; }; ` +
    `return { async configure(req) { ` +
    `const code = req.config.get(${JSON.stringify(PROVIDER_CODE_KEY)}); ` +
    `const text = code !== null && typeof code === "object" ? code[token] : undefined; ` +
    `if (typeof text !== "string") throw new Error("hemma-infra: the provider ${CODE_PROVIDER_NAME} of this stack holds no code for " + token + " (state written by another version of hemma-infra?)"); ` +
    `const m = { exports: {} }; new Function("exports", "module", "require", text)(m.exports, m, require); ` +
    `real = m.exports.handler(); if (typeof real.configure === "function") await real.configure(req); }, ` +
    `${forward} }; };\n`
  );
}

/** Type token to {@link cachedProviderLoader} text of each of `types`. */
export async function providerCodeMap(
  types: readonly DynamicProviderType[],
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    types.map(async (t) => [t.token, await cachedProviderLoader(t.provider, t.token)] as const),
  );
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The explicit `pulumi-nodejs` provider that holds the code of every dynamic provider type. */
class CodeProvider extends pulumi.ProviderResource {
  constructor(code: pulumi.Input<Record<string, string>>) {
    super("pulumi-nodejs", CODE_PROVIDER_NAME, { [PROVIDER_CODE_KEY]: code });
  }
}

// One code provider per program run: the resource monitor is new for each (a real run, an inline
// run of the Automation API, each `setMocks`). Safe at module level: no provider captures this module.
const codeProviders = new WeakMap<object, CodeProvider>();
const NO_MONITOR = {};

/**
 * The {@link CODE_PROVIDER_NAME} provider of the running program, registered on first use. Its
 * configuration is the code of every registered type, so that state holds each provider's code
 * once per stack, not once per resource (decision 0110, third pass), and a refresh or delete
 * still runs the code the state was written with.
 */
function codeProvider(): CodeProvider {
  const key = pulumi.runtime.getMonitor() ?? NO_MONITOR;
  let p = codeProviders.get(key);
  if (p === undefined) {
    // Imported when first needed: the registry imports every provider module, which import this one.
    const code = import("./provider-registry").then((r) => providerCodeMap(r.DYNAMIC_PROVIDER_TYPES));
    p = new CodeProvider(code);
    codeProviders.set(key, p);
  }
  return p;
}

/**
 * A dynamic resource (`pulumi-nodejs:dynamic/<module>:<type>`), as `pulumi.dynamic.Resource`
 * registers it, except for where its provider code lives: `__provider` is a
 * {@link providerStub}, and the code comes from the stack's {@link CODE_PROVIDER_NAME} provider.
 */
export class DynamicResource extends pulumi.CustomResource {
  constructor(
    type: DynamicProviderType,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions | undefined,
  ) {
    if ("__provider" in props) throw new Error("a dynamic resource must not define __provider");
    if (opts?.provider !== undefined)
      throw new Error("a dynamic resource's provider is the stack's code provider");
    super(
      type.token,
      name,
      { ...props, __provider: providerStub(type.token, type.provider) },
      { ...opts, provider: codeProvider() },
    );
  }
}
