/** A stand-in V8 call site: the function and file a trace predicate reads, and V8's own line. */
export function fakeCallSite(functionName: string | null, file: string, line = 1): NodeJS.CallSite {
  return {
    getFunctionName: () => functionName,
    getFileName: () => file,
    toString: () => `${functionName ?? "<anonymous>"} (${file}:${line}:1)`,
  } as unknown as NodeJS.CallSite;
}
