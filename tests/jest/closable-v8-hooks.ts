/**
 * Jest's stand-in for the SDK's `runtime/closure/v8Hooks` module (see `moduleNameMapper` in
 * jest.config.js): the real module, whose inspector session is recorded so that it is closed when
 * the test file ends (tests/jest/sdk-inspector-sessions.ts says why).
 *
 * The SDK's serializer calls `getSessionAsync` through the module's exports, so wrapping the
 * export sees every session it uses. (`isInitializedAsync` opens one too, but only the `pulumi`
 * program launcher calls it, never a test.)
 */
import { realModulePath } from "./real-module-path";
import type { Session } from "inspector";
import { recordSdkInspectorSession } from "./sdk-inspector-sessions";

/** The part of the SDK's (untyped, internal) module this stand-in wraps. */
interface V8Hooks {
  getSessionAsync(): Promise<Session>;
}

const REAL_V8_HOOKS = realModulePath("@pulumi", "pulumi", "runtime", "closure", "v8Hooks.js");

// A require by absolute path: the mapper matches only the SDK's relative request.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const real = require(REAL_V8_HOOKS) as V8Hooks;
const getSessionAsync = real.getSessionAsync.bind(real);
real.getSessionAsync = (): Promise<Session> => {
  const session = getSessionAsync();
  recordSdkInspectorSession(session);
  return session;
};

export = real;
