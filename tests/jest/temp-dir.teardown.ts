// Jest globalTeardown: the run's temporary directory goes, with whatever tests left in it.
import * as fs from "fs";
import { RUN_TMPDIR_ENV } from "./run-temp-dir";

export default function tearDownRunTempDir(): void {
  const dir = process.env[RUN_TMPDIR_ENV];
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
}
