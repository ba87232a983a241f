import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { privateDir, readCached, writeCached } from "../runtime/private-cache";

/*
 * `pulumi.dynamic.Resource`, with the provider code (`__provider`) built once per provider
 * version instead of once per process, and stored compressed (docs/decisions/0110).
 *
 * The SDK serializes the provider's closure on first use in every process: it loads the
 * TypeScript compiler to analyse each function, seconds per run. Here the text is kept in a
 * private cache keyed by everything it is derived from. The text travels with every resource on
 * every engine call and sits in state once per resource (about 45 KB per host resource), so it
 * is stored as a small loader holding the brotli-compressed, base64 text: the dynamic-provider
 * process decompresses it once per provider and runs exactly the code the SDK serialized.
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

// One loader per provider object in this process, shared by all its resources. Safe at module
// level: no provider captures this module (see the file comment).
const loaders = new WeakMap<object, pulumi.Output<string>>();

function loaderOutput(
  provider: pulumi.dynamic.ResourceProvider,
  resourceType: string,
): pulumi.Output<string> {
  let out = loaders.get(provider);
  if (out === undefined) {
    out = pulumi.output(cachedProviderLoader(provider, resourceType));
    loaders.set(provider, out);
  }
  return out;
}

/**
 * A dynamic resource (`pulumi-nodejs:dynamic/<module>:<type>`), as `pulumi.dynamic.Resource`
 * registers it, with its provider code from {@link cachedProviderLoader}.
 */
export class DynamicResource extends pulumi.CustomResource {
  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions | undefined,
    module: string,
    type: string,
  ) {
    if ("__provider" in props) throw new Error("a dynamic resource must not define __provider");
    const token = `pulumi-nodejs:dynamic/${module}:${type}`;
    super(token, name, { ...props, __provider: loaderOutput(provider, token) }, opts);
  }
}
