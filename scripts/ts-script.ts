import * as path from "node:path";

/** The `node -r` hook that runs this project's TypeScript (runtime/ts-loader.js), as `npm run` uses it. */
export const TS_LOADER = path.resolve(__dirname, "..", "runtime", "ts-loader.js");

/** The `node` arguments that run the TypeScript file `script` with `args`, exactly as `npm run` does. */
export function tsScriptArgs(script: string, args: readonly string[] = []): string[] {
  return ["-r", TS_LOADER, script, ...args];
}
