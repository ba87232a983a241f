/** Unit, mock, render and script tests: no network, no Docker, no Pulumi engine. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/tests/e2e/"],
  // Type errors are caught by `tsc --noEmit`; ts-jest only transpiles (isolatedModules set as a
  // tsconfig override, the form ts-jest 29.4 reads without a deprecation warning).
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: { isolatedModules: true } }] },
  // Many suites wait on child processes (validators, servers, CLIs): more workers than the 2
  // cores keep both cores busy while one suite waits. Jest's default here is 1 worker.
  maxWorkers: 3,
  // @pulumi/pulumi loads @npmcli/arborist (~490 modules) in every Pulumi test file but uses it only
  // for closure code paths: the stand-in loads the real module on first use (see its test).
  // TypeScript likewise (about 0.3 s of CPU per file that loads the SDK; tests/jest/lazy-typescript.ts).
  moduleNameMapper: {
    "^@npmcli/arborist$": "<rootDir>/tests/jest/lazy-arborist.ts",
    "^typescript$": "<rootDir>/tests/jest/lazy-typescript.ts",
    // The SDK's promise bookkeeping takes no stack traces (runtime/sdk-promise-stacks.js), patched
    // where the SDK loads it, so a test file that never loads the SDK does not load it for this.
    "^\\.\\.?/(runtime/)?debuggable$": "<rootDir>/tests/jest/untraced-debuggable.ts",
    // The inspector session the SDK opens to serialize a function is closed when the test file ends.
    "^\\./v8Hooks$": "<rootDir>/tests/jest/closable-v8-hooks.ts",
  },
  // Per test file: the SDK's promise traces (with PULUMI_DEBUG_PROMISE_LEAKS set) and its
  // per-resource stack traces skip source maps, and the inspector session the SDK opened to
  // serialize a function is closed at the end (docs/decisions/0113).
  setupFilesAfterEnv: ["<rootDir>/tests/jest/test-file.setup.ts"],
  // One temporary directory per run, on tmpfs when there is one (tests/jest/run-temp-dir.ts).
  globalSetup: "<rootDir>/tests/jest/temp-dir.setup.ts",
  globalTeardown: "<rootDir>/tests/jest/temp-dir.teardown.ts",
  testTimeout: 30000,
};
