/**
 * Jest's stand-in for the SDK's `runtime/debuggable` module (see `moduleNameMapper` in
 * jest.config.js): the real module, with its `debuggablePromise` taking no trace
 * (`skipSdkPromiseTraces`, runtime/sdk-promise-stacks.js).
 *
 * The SDK's own modules require it as "./debuggable" or "../runtime/debuggable", which the mapper
 * sends here; the stand-in hands on the real module's exports object, so whoever imports it by its
 * package path gets the same, patched object. Patching it from a setup file instead would load the
 * SDK into every test file, also the many that never use it.
 */
import { realModulePath } from "./real-module-path";
import { skipSdkPromiseTraces } from "../../runtime/sdk-promise-stacks";

const REAL_DEBUGGABLE = realModulePath("@pulumi", "pulumi", "runtime", "debuggable.js");

// A require by absolute path: the mapper matches only the SDK's relative requests.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const real = require(REAL_DEBUGGABLE) as Parameters<typeof skipSdkPromiseTraces>[0];
skipSdkPromiseTraces(real);

export = real;
