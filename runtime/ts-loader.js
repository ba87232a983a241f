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

const ROOT = path.resolve(__dirname, "..");
const TSCONFIG = path.join(ROOT, "tsconfig.json");
const TYPESCRIPT = require.resolve("typescript", { paths: [ROOT] });
const SALT = [
  JSON.parse(fs.readFileSync(path.join(path.dirname(TYPESCRIPT), "..", "package.json"), "utf8")).version,
  fs.readFileSync(TSCONFIG, "utf8"),
  // This file's own compile options are part of the key too.
  fs.readFileSync(__filename, "utf8"),
].join("\0");

/** The cache directory, or undefined when it cannot be had privately. */
function privateCacheDir() {
  const dir = process.env.HEMMA_TS_CACHE || path.join(os.homedir(), ".cache", "hemma-infra", "ts-transpile");
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.statSync(dir);
    const uid = process.getuid ? process.getuid() : undefined;
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0)
      return undefined;
    return dir;
  } catch {
    return undefined;
  }
}
const CACHE = privateCacheDir();

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
  const file = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    // Not cached yet: compile below.
  }
  const out = compile(source, filename);
  try {
    // Write then rename: processes started together may compile the same file at once.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs the compile next time.
  }
  return out;
}

process.setSourceMapsEnabled(true);
Module._extensions[".ts"] = function (module, filename) {
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};
