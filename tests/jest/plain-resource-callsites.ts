/**
 * Under Jest, the stack trace the SDK takes for every resource it registers is formatted plainly
 * (installed by tests/jest/test-file.setup.ts).
 *
 * `Resource.callsites` (@pulumi/pulumi/resource.js) captures the whole stack of each resource's
 * constructor, with no frame limit, and parses the source position out of its text. Jest formats
 * every frame through the source maps of each transpiled file; for the suite's mock stacks that
 * was 6-8% of the CPU of the stack and component tests. Here those traces are formatted as V8
 * does without source maps, so positions are the transpiled JavaScript's. Only the mock monitor
 * receives them, and no test reads them. A real run (runtime/ts-loader.js) keeps the mapping: the
 * engine shows the TypeScript position.
 */

import { installPlainTraces, isSdkTraceOf } from "../../runtime/sdk-promise-stacks";

/** Whether `frames` is the trace `Resource.callsites` takes of itself. */
export function isResourceCallsitesTrace(frames: readonly NodeJS.CallSite[]): boolean {
  return isSdkTraceOf(frames, "callsites", "resource.js");
}

/** Marks our wrapper, so installing twice never wraps it again. */
const WRAPPED = Symbol.for("hemma.plainResourceCallsites");

/**
 * Formats `Resource.callsites` traces plainly, every frame (the SDK parses them all), on
 * `errorClass` (default: this realm's `Error`); any other trace goes to the `prepareStackTrace`
 * installed before. Does nothing without one.
 */
export function installPlainResourceCallsites(
  errorClass: Parameters<typeof installPlainTraces>[0] = Error,
): void {
  installPlainTraces(errorClass, WRAPPED, isResourceCallsitesTrace, Infinity);
}
