/** Whether `frames` is a trace `functionName` of the SDK's file `sdkFile` (e.g. `resource.js`) takes of itself. */
export function isSdkTraceOf(
  frames: readonly NodeJS.CallSite[],
  functionName: string,
  sdkFile: string,
): boolean;
/** Whether `frames` is the trace `debuggablePromise` takes of itself. */
export function isSdkPromiseTrace(frames: readonly NodeJS.CallSite[]): boolean;
/** Frames kept in a bookkeeping trace: where the promise was made is in the first few. */
export const PLAIN_FRAMES: number;
/** The trace as V8 formats it without a `prepareStackTrace`, cut to the first `maxFrames` (default {@link PLAIN_FRAMES}) frames. */
export function plainStackTrace(error: Error, frames: readonly NodeJS.CallSite[], maxFrames?: number): string;
/** Formats the traces `isPlain` picks plainly on `errorClass`, unless its formatter already carries `marker`; others keep the installed `prepareStackTrace`. */
export function installPlainTraces(
  errorClass: { prepareStackTrace?: (error: Error, frames: NodeJS.CallSite[]) => unknown },
  marker: symbol,
  isPlain: (frames: readonly NodeJS.CallSite[]) => boolean,
  maxFrames: number,
): void;
/** Formats the SDK's promise traces plainly on `errorClass` (default: this realm's `Error`); others keep the installed `prepareStackTrace`. */
export function installCheapSdkPromiseStacks(errorClass?: ErrorConstructor): void;
/** Makes the SDK's `debuggablePromise` take no trace unless `PULUMI_DEBUG_PROMISE_LEAKS` is set; whether it replaced it. */
export function skipSdkPromiseTraces(debuggable: object, env?: NodeJS.ProcessEnv): boolean;
/** {@link skipSdkPromiseTraces} on the SDK's `runtime/debuggable` module as soon as the SDK loads it. */
export function skipSdkPromiseTracesOnLoad(): void;
