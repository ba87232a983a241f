/**
 * Jest's stand-in for `@npmcli/arborist` (see `moduleNameMapper` in jest.config.js).
 *
 * `@pulumi/pulumi` imports arborist when it loads, but only calls it to compute closure code
 * paths; loading it is about 490 modules, two thirds of what each Pulumi test file loads. Here it
 * loads on first use of an export, so a test that reaches it gets the real module unchanged.
 */
import { realModulePath } from "./real-module-path";

// Where `@pulumi/pulumi`'s `require("@npmcli/arborist")` resolves (hoisted by npm).
const REAL_ARBORIST = realModulePath("@npmcli", "arborist", "lib", "index.js");

// The real entry point's exports; tests/jest/lazy-arborist.test.ts checks both lists match.
const ARBORIST_EXPORTS = ["Arborist", "Node", "Link", "Edge", "Shrinkwrap"] as const;

let real: Record<string, unknown> | undefined;
for (const name of ARBORIST_EXPORTS) {
  Object.defineProperty(exports, name, {
    enumerable: true,
    // A lazy require is the point of this file: an import would load the module up front.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    get: () => (real ??= require(REAL_ARBORIST) as Record<string, unknown>)[name],
  });
}
