/** Unit, mock, render and script tests: no network, no Docker, no Pulumi engine. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/tests/e2e/"],
  // Type errors are caught by `tsc --noEmit`; transpiling alone keeps the suite well under a minute.
  transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true }] },
  testTimeout: 30000,
};
