/* global require, __dirname, __filename, process */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS hook that node -r loads before any TypeScript */
"use strict";
/**
 * `node -r` hook for the CLI tests' child processes: the compile `ts-node --transpile-only` does
 * (TypeScript's transpileModule with the project's compiler options), cached on disk by the
 * TypeScript version, tsconfig.json and source text. Several fresh processes of one CLI then share
 * one transpile of the program instead of each repeating it (seconds of CPU per process).
 */
// These processes run the program (mostly under mocks), which never needs the SDK's own TypeScript
// or arborist: load them only on use, as the dynamic-provider process does (docs/decisions/0110).
require("../../runtime/lazy-sdk-deps.js");
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const TSCONFIG = path.join(ROOT, "tsconfig.json");
const TYPESCRIPT = require.resolve("typescript", { paths: [ROOT] });
const SALT = [
  JSON.parse(fs.readFileSync(path.join(path.dirname(TYPESCRIPT), "..", "package.json"), "utf8")).version,
  fs.readFileSync(TSCONFIG, "utf8"),
  // This file's own compile options are part of the key too.
  fs.readFileSync(__filename, "utf8"),
].join("\0");
const CACHE = path.join(os.tmpdir(), "hemma-ts-transpile-cache");

let ts;
let options;

function transpile(source, filename) {
  const key = crypto.createHash("sha256").update(SALT).update("\0").update(source).digest("hex");
  const file = path.join(CACHE, `${key}.js`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    // Not cached yet: compile below.
  }
  if (!ts) {
    ts = require(TYPESCRIPT);
    const parsed = ts.parseJsonConfigFileContent(
      ts.readConfigFile(TSCONFIG, ts.sys.readFile).config,
      ts.sys,
      ROOT,
    );
    options = { ...parsed.options, module: ts.ModuleKind.CommonJS, isolatedModules: true };
  }
  const out = ts.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText;
  fs.mkdirSync(CACHE, { recursive: true });
  // Write then rename: processes started together may compile the same file at once.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, out);
  fs.renameSync(tmp, file);
  return out;
}

Module._extensions[".ts"] = function (module, filename) {
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};
