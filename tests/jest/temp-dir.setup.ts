// Jest globalSetup, in Jest's own process before any worker starts (tests/jest/run-temp-dir.ts).
import { createRunTempDir, RUN_TMPDIR_ENV, runTempParent } from "./run-temp-dir";

export default function setUpRunTempDir(): void {
  const dir = createRunTempDir(runTempParent());
  process.env[RUN_TMPDIR_ENV] = dir;
  process.env.TMPDIR = dir;
}
