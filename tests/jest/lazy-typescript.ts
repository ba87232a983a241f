/**
 * Jest's stand-in for `typescript` (see `moduleNameMapper` in jest.config.js).
 *
 * `@pulumi/pulumi` loads the TypeScript compiler when it loads (runtime/closure/parseFunction.js
 * through typescript-shim.js), but uses it only to serialize a function's closure, which few
 * tests do. In Jest's module registry that one 9 MB file costs about 0.3 s of CPU in every test
 * file that loads the SDK. Here it loads on first use of any property, so a test that reaches it
 * gets the real module, and one that does not never pays for it (the same stand-in as the
 * dynamic-provider process's runtime/lazy-sdk-deps.js; docs/decisions/0110). ts-jest transpiles
 * outside the registry and is not affected.
 */
import { realModulePath } from "./real-module-path";

// Where `require("typescript")` resolves from the SDK (hoisted by npm).
const REAL_TYPESCRIPT = realModulePath("typescript", "lib", "typescript.js");

let real: object | undefined;
// A lazy require is the point of this file: an import would load the module up front.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const target = (): object => (real ??= require(REAL_TYPESCRIPT) as object);

module.exports = new Proxy(
  {},
  {
    get: (_, key) => Reflect.get(target(), key),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(target(), key);
      // A proxy may not report a property non-configurable that its own target lacks.
      return d === undefined ? undefined : { ...d, configurable: true };
    },
  },
);
