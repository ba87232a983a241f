/** The `node -r` hook that keeps @pulumi/pulumi from loading TypeScript and arborist until used, in fresh processes. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const HOOK = path.join(ROOT, "runtime", "lazy-sdk-deps.js");

/** Runs `code` in a fresh node with the hook preloaded; returns what it printed as JSON. */
function withHook(code: string): unknown {
  const r = spawnSync(process.execPath, ["--no-warnings", "-r", HOOK, "-e", code], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

const LOADED = `const loaded = (m) => Object.keys(require.cache).some((k) => k.endsWith(m));`;

test("loading the SDK loads neither TypeScript nor arborist", () => {
  expect(
    withHook(`${LOADED} require("@pulumi/pulumi");
      console.log(JSON.stringify([loaded("/typescript/lib/typescript.js"), loaded("/@npmcli/arborist/lib/index.js")]));`),
  ).toEqual([false, false]);
});

test("serializing a closure loads TypeScript then, and works", () => {
  expect(
    withHook(`${LOADED} const p = require("@pulumi/pulumi"); const x = 42;
      p.runtime.serializeFunction(() => x).then((sf) =>
        console.log(JSON.stringify([sf.text.includes("42"), loaded("/typescript/lib/typescript.js")])));`),
  ).toEqual([true, true]);
});

test("arborist's stand-in has exactly the real exports, each the real value once read", () => {
  expect(
    withHook(`const Module = require("module"); const path = require("path");
      // A module inside the SDK asks for arborist, as runtime/closure/codePaths.js does.
      const f = require.resolve("@pulumi/pulumi/runtime/closure/codePaths.js");
      const sdk = new Module(f); sdk.filename = f; sdk.paths = Module._nodeModulePaths(path.dirname(f));
      const stand = Module._load("@npmcli/arborist", sdk, false);
      const real = require("@npmcli/arborist");
      console.log(JSON.stringify([
        Object.keys(stand).sort().join(),
        Object.keys(real).sort().join(),
        Object.keys(real).every((k) => stand[k] === real[k]),
        stand.__esModule === true,
      ]));`),
  ).toEqual(["Arborist,Edge,Link,Node,Shrinkwrap", "Arborist,Edge,Link,Node,Shrinkwrap", true, true]);
});

test("a module outside the SDK gets the real TypeScript", () => {
  expect(
    withHook(
      `const ts = require("typescript"); console.log(JSON.stringify([typeof ts.createSourceFile, require.cache[require.resolve("typescript")].exports === ts]));`,
    ),
  ).toEqual(["function", true]);
});
