/* global module, process, require */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS that runtime/ts-loader.js loads first */
"use strict";
/**
 * Cheap stack traces for the Pulumi SDK's promise bookkeeping.
 *
 * `@pulumi/pulumi` (runtime/debuggable.js) stores `new Error().stack` on every promise it tracks,
 * several per resource, and prints it only with `PULUMI_DEBUG_PROMISE_LEAKS` set, to report a
 * promise still pending when the program exits. Without that variable no trace is taken
 * ({@link skipSdkPromiseTraces}). With it, and source maps on (runtime/ts-loader.js turns Node's
 * on; Jest installs its own), every frame of each would go through the source maps: measured,
 * half the CPU of building the whole stack under mocks (docs/decisions/0110). Those traces are
 * formatted the way V8 does without source maps ({@link installCheapSdkPromiseStacks}); every
 * other stack trace keeps the mapping.
 *
 * Plain CommonJS, so runtime/ts-loader.js can install it before any TypeScript is compiled.
 */

/** Marks our wrapper of the SDK's promise traces, so installing twice never wraps it again. */
const WRAPPED = Symbol.for("hemma.sdkPromiseStacks");

/** Whether `frames` is a trace `functionName` of the SDK's file `sdkFile` takes of itself. */
function isSdkTraceOf(frames, functionName, sdkFile) {
  const top = frames[0];
  if (top === undefined || top.getFunctionName() !== functionName) return false;
  const file = (top.getFileName() ?? "").replace(/\\/g, "/");
  return file.endsWith(`/@pulumi/pulumi/${sdkFile}`);
}

/** Whether `frames` is the trace `debuggablePromise` takes of itself. */
function isSdkPromiseTrace(frames) {
  return isSdkTraceOf(frames, "debuggablePromise", "runtime/debuggable.js");
}

/** Frames kept in a bookkeeping trace: where the promise was made is in the first few. */
const PLAIN_FRAMES = 8;

/**
 * The trace as V8 formats it without a `prepareStackTrace` (message, then one `at` line per
 * frame), cut to the first `maxFrames` frames (default {@link PLAIN_FRAMES}): Jest captures 100,
 * and formatting each costs more than the rest of a resource registration.
 */
function plainStackTrace(error, frames, maxFrames = PLAIN_FRAMES) {
  return `${String(error)}${frames
    .slice(0, maxFrames)
    .map((f) => `\n    at ${f.toString()}`)
    .join("")}`;
}

/**
 * Formats the traces `isPlain` picks plainly on `errorClass` ({@link plainStackTrace}, at most
 * `maxFrames` frames); any other trace goes to the `prepareStackTrace` installed before. Does
 * nothing when none is installed (V8's own formatting is already cheap) or when the installed one
 * already carries `marker`, the symbol that names this use.
 */
function installPlainTraces(errorClass, marker, isPlain, maxFrames) {
  const mapped = errorClass.prepareStackTrace;
  if (mapped === undefined || mapped[marker]) return;
  errorClass.prepareStackTrace = Object.assign(
    (error, frames) => (isPlain(frames) ? plainStackTrace(error, frames, maxFrames) : mapped(error, frames)),
    { [marker]: true },
  );
}

/**
 * Formats the SDK's promise traces plainly on `errorClass` (default: this realm's `Error`); any
 * other trace goes to the `prepareStackTrace` installed before.
 */
function installCheapSdkPromiseStacks(errorClass = Error) {
  installPlainTraces(errorClass, WRAPPED, isSdkPromiseTrace, PLAIN_FRAMES);
}

/** Marks a `debuggablePromise` that takes no trace. */
const UNTRACED = Symbol.for("hemma.sdkPromiseUntraced");

/**
 * Makes the SDK's `debuggablePromise` (the `exports` of `@pulumi/pulumi/runtime/debuggable`) take
 * no trace at all, unless `PULUMI_DEBUG_PROMISE_LEAKS` is set in `env`: the SDK prints these
 * traces only then, yet by default captures one (`Error.stackTraceLimit` frames, 100 under Jest)
 * for every promise it tracks. The SDK calls it through the module's exports, so replacing the
 * export reaches every call. Returns whether it replaced it (not twice, not with the variable set).
 */
function skipSdkPromiseTraces(debuggable, env = process.env) {
  const original = debuggable.debuggablePromise;
  if (env.PULUMI_DEBUG_PROMISE_LEAKS || typeof original !== "function" || original[UNTRACED]) return false;
  debuggable.debuggablePromise = Object.assign(
    function untracedDebuggablePromise(p, ctx) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        return original(p, ctx);
      } finally {
        Error.stackTraceLimit = limit;
      }
    },
    // The original, for a caller that wants a traced promise anyway (tests).
    { [UNTRACED]: true, traced: original },
  );
  return true;
}

/**
 * {@link skipSdkPromiseTraces} on `@pulumi/pulumi/runtime/debuggable` as soon as the SDK loads it in
 * this process (a `Module._load` hook: the module is not loaded here before the program needs it).
 */
function skipSdkPromiseTracesOnLoad() {
  const Module = require("module");
  const load = Module._load;
  if (load[UNTRACED]) return;
  Module._load = Object.assign(
    function (request, parent) {
      const exports = load.apply(this, arguments);
      if (
        /(^|[\\/])debuggable(\.js)?$/.test(request) &&
        parent &&
        /[\\/]@pulumi[\\/]pulumi[\\/]/.test(parent.filename ?? "") &&
        exports
      )
        skipSdkPromiseTraces(exports);
      return exports;
    },
    { [UNTRACED]: true },
  );
}

module.exports = {
  isSdkTraceOf,
  isSdkPromiseTrace,
  PLAIN_FRAMES,
  plainStackTrace,
  installPlainTraces,
  installCheapSdkPromiseStacks,
  skipSdkPromiseTraces,
  skipSdkPromiseTracesOnLoad,
};
