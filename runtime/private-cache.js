/* global require, module, process */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: runtime/ts-loader.js loads it before any TypeScript */
"use strict";
/**
 * Caches of generated code on disk (compiled TypeScript, serialized provider code): a private
 * directory, read by name, written by write-then-rename. Code in a cache runs, so a directory that
 * is not this user's alone is never used. Shared by runtime/ts-loader.js and
 * providers/dynamic-resource.ts (docs/decisions/0110).
 */
const fs = require("fs");
const path = require("path");

/** `dir` (made 0700 when missing) if only this user may write it, else undefined: then nothing is cached. */
function privateDir(dir) {
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

/** The text cached as `name` in `dir`, or undefined when there is none (or no cache: `dir` undefined). */
function readCached(dir, name) {
  if (dir === undefined) return undefined;
  try {
    return fs.readFileSync(path.join(dir, name), "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Stores `text` as `name` in `dir` (mode 0600), written then renamed: processes started together
 * may make the same entry at once. A cache that cannot be written is skipped.
 */
function writeCached(dir, name, text) {
  if (dir === undefined) return;
  const file = path.join(dir, name);
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    // Costs only the work next time.
  }
}

module.exports = { privateDir, readCached, writeCached };
