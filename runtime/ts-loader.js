/* global require, __dirname, __filename, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS hook that node -r loads before any TypeScript */
"use strict";
/**
 * `node -r` hook that runs this project's TypeScript, for `npm run <script>` and the tests' CLI
 * child processes: each `.ts` file is compiled as `ts-node --transpile-only` compiles it
 * (TypeScript's `transpileModule` with tsconfig.json's options), and the result is cached on disk,
 * keyed by the TypeScript version, tsconfig.json, this file, the file's path and its text. A CLI
 * then starts without transpiling the program again (about 1.5 s of CPU per run under ts-node).
 * Source maps are inline and Node's own source-map support is on, so a stack trace names the
 * `.ts` line (docs/decisions/0110).
 *
 * Cache: `HEMMA_TS_CACHE`, else `~/.cache/hemma-infra/ts-transpile`; used only when it is a
 * directory of this user that nobody else may write (it holds code this process runs), else every
 * file is compiled in memory.
 */
// A CLI never needs the SDK's own TypeScript or arborist: load them only on use (lazy-sdk-deps.js).
require("./lazy-sdk-deps.js");
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const os = require("os");
const path = require("path");
const { privateDir, readCached, writeCached } = require("./private-cache.js");

const ROOT = path.resolve(__dirname, "..");
const TSCONFIG = path.join(ROOT, "tsconfig.json");
const TYPESCRIPT = require.resolve("typescript", { paths: [ROOT] });
const SALT = [
  JSON.parse(fs.readFileSync(path.join(path.dirname(TYPESCRIPT), "..", "package.json"), "utf8")).version,
  fs.readFileSync(TSCONFIG, "utf8"),
  // This file's own compile options are part of the key too.
  fs.readFileSync(__filename, "utf8"),
].join("\0");

const CACHE = privateDir(
  process.env.HEMMA_TS_CACHE || path.join(os.homedir(), ".cache", "hemma-infra", "ts-transpile"),
);

let ts;
let options;

function compile(source, filename) {
  if (!ts) {
    ts = require(TYPESCRIPT);
    const parsed = ts.parseJsonConfigFileContent(
      ts.readConfigFile(TSCONFIG, ts.sys.readFile).config,
      ts.sys,
      ROOT,
    );
    options = {
      ...parsed.options,
      // The compiled code runs from the .ts file's own path, so its map must name the file
      // relative to itself: with tsconfig's outDir, `sources` came out relative to bin/ and Node
      // resolved them to a path that does not exist (components/components/docker/…).
      outDir: undefined,
      module: ts.ModuleKind.CommonJS,
      isolatedModules: true,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: false,
    };
  }
  return ts.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText;
}

function transpile(source, filename) {
  if (CACHE === undefined) return compile(source, filename);
  const key = crypto
    .createHash("sha256")
    .update(SALT)
    .update("\0")
    .update(filename)
    .update("\0")
    .update(source)
    .digest("hex");
  const name = `${key}.js`;
  const hit = readCached(CACHE, name);
  if (hit !== undefined) return hit;
  const out = compile(source, filename);
  writeCached(CACHE, name, out);
  return out;
}

process.setSourceMapsEnabled(true);
Module._extensions[".ts"] = function (module, filename) {
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};
// The SDK takes a stack trace of every promise it tracks, several per resource, and prints them
// only with PULUMI_DEBUG_PROMISE_LEAKS set: without it none is taken; with it, source maps would
// make each costly to format, so they are formatted plainly (runtime/sdk-promise-stacks.js).
const sdkPromiseStacks = require("./sdk-promise-stacks.js");
sdkPromiseStacks.skipSdkPromiseTracesOnLoad();
sdkPromiseStacks.installCheapSdkPromiseStacks();
