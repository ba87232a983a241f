import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DYNAMIC_PROVIDER_ENV,
  DYNAMIC_PROVIDER_PRELOAD_ENV,
  LAZY_SDK_DEPS,
  engineEnv,
  ensureNodejsProviderPlugin,
  nodejsProviderShim,
  pluginsFromSharedFolder,
  previewStack,
  REPO_ROOT,
  SKIP_CHECKPOINTS_ENV,
} from "../../scripts/engine";
import type { Stack } from "@pulumi/pulumi/automation";

describe("engineEnv", () => {
  const saved = process.env.HEMMA_SHARED_PULUMI;
  afterEach(() => {
    if (saved === undefined) delete process.env.HEMMA_SHARED_PULUMI;
    else process.env.HEMMA_SHARED_PULUMI = saved;
  });

  it("leaves plugin downloads to Pulumi where no shared plugin folder exists", () => {
    process.env.HEMMA_SHARED_PULUMI = fs.mkdtempSync(path.join(os.tmpdir(), "no-shared-"));
    expect(pluginsFromSharedFolder()).toBe(false);
    expect(engineEnv("/tmp/state", "pw").PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).toBeUndefined();
  });

  it("uses a local file backend, the passphrase, and never downloads plugins where the shared folder supplies them", () => {
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), "shared-"));
    fs.writeFileSync(path.join(shared, "SHA256SUMS.binaries"), "");
    process.env.HEMMA_SHARED_PULUMI = shared;
    const env = engineEnv("/tmp/state", "pw");
    expect(env.PULUMI_NODEJS_TRANSPILE_ONLY).toBe("true");
    expect(env.PULUMI_BACKEND_URL).toBe("file:///tmp/state");
    expect(env.PULUMI_CONFIG_PASSPHRASE).toBe("pw");
    expect(env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).toBe("true");
    expect(env[DYNAMIC_PROVIDER_ENV]).toBe(
      path.join(REPO_ROOT, "node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js"),
    );
    expect(env.NODE_PATH!.split(path.delimiter)[0]).toBe(path.join(REPO_ROOT, "node_modules"));
    expect(env[DYNAMIC_PROVIDER_PRELOAD_ENV]).toBe(path.join(REPO_ROOT, "runtime/lazy-sdk-deps.js"));
    expect(fs.existsSync(LAZY_SDK_DEPS)).toBe(true);
  });
});

describe("the pulumi-nodejs plugin shim", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-shim-"));
  const cli = path.join(dir, "pulumi");

  it("is written executable next to the CLI", () => {
    const shim = ensureNodejsProviderPlugin(cli);
    expect(shim).toBe(path.join(dir, "pulumi-resource-pulumi-nodejs"));
    expect(fs.readFileSync(shim, "utf8")).toBe(nodejsProviderShim());
    expect(fs.statSync(shim).mode & 0o111).toBe(0o111);
  });

  it("execs node on the entry point from the environment with the engine's arguments", () => {
    const script = path.join(dir, "echo-args.js");
    fs.writeFileSync(script, "console.log(JSON.stringify(process.argv.slice(2)))");
    const out = execFileSync(path.join(dir, "pulumi-resource-pulumi-nodejs"), ["127.0.0.1:1234", "a b"], {
      env: { ...process.env, [DYNAMIC_PROVIDER_ENV]: script },
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toEqual(["127.0.0.1:1234", "a b"]);
  });

  it("preloads the module the environment names before the entry point", () => {
    const preload = path.join(dir, "preload.js");
    fs.writeFileSync(preload, "globalThis.preloaded = 'yes';");
    const script = path.join(dir, "show-preload.js");
    fs.writeFileSync(script, "console.log(globalThis.preloaded ?? 'no')");
    const run = (env: NodeJS.ProcessEnv) =>
      execFileSync(path.join(dir, "pulumi-resource-pulumi-nodejs"), [], {
        env: { ...process.env, [DYNAMIC_PROVIDER_ENV]: script, ...env },
        encoding: "utf8",
      }).trim();
    expect(run({ [DYNAMIC_PROVIDER_PRELOAD_ENV]: preload })).toBe("yes");
    expect(run({ [DYNAMIC_PROVIDER_PRELOAD_ENV]: "" })).toBe("no");
  });

  it("leaves an official install's own plugin script alone", () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "engine-shim-"));
    const official = path.join(other, "pulumi-resource-pulumi-nodejs");
    fs.writeFileSync(official, "#!/bin/sh\nofficial\n");
    ensureNodejsProviderPlugin(path.join(other, "pulumi"));
    expect(fs.readFileSync(official, "utf8")).toBe("#!/bin/sh\nofficial\n");
  });
});

describe("previewStack", () => {
  /** A stack whose preview records the workspace environment it ran with. */
  function fakeStack(env: Record<string, string>, fail = false) {
    const seen: Record<string, string>[] = [];
    const stack = {
      workspace: { envVars: env },
      preview: async () => {
        seen.push({ ...env });
        if (fail) throw new Error("preview failed");
        return { changeSummary: {} };
      },
    };
    return { stack: stack as unknown as Stack, seen };
  }

  test("skips the engine's per-step checkpoints for the preview only", async () => {
    const env: Record<string, string> = { PULUMI_CONFIG_PASSPHRASE: "p" };
    const { stack, seen } = fakeStack(env);
    await previewStack(stack, { refresh: true });
    expect(seen).toEqual([{ PULUMI_CONFIG_PASSPHRASE: "p", [SKIP_CHECKPOINTS_ENV]: "true" }]);
    expect(env).toEqual({ PULUMI_CONFIG_PASSPHRASE: "p" });
  });

  test("restores a value set before, also when the preview fails", async () => {
    const env: Record<string, string> = { [SKIP_CHECKPOINTS_ENV]: "false" };
    const { stack, seen } = fakeStack(env, true);
    await expect(previewStack(stack)).rejects.toThrow("preview failed");
    expect(seen).toEqual([{ [SKIP_CHECKPOINTS_ENV]: "true" }]);
    expect(env).toEqual({ [SKIP_CHECKPOINTS_ENV]: "false" });
  });
});
