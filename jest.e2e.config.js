/** End-to-end suite: the real Pulumi engine against the sandbox host. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests/e2e"],
  testMatch: ["**/*.e2e.test.ts"],
  // Transpile only, as in jest.config.js (the tsconfig override form ts-jest 29.4 reads without a warning).
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: { isolatedModules: true } }] },
  testTimeout: 600000,
};
