/** The inspector session the SDK opens to serialize a function ends with the test file that opened it. */
import { spawnSync } from "child_process";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { closeSdkInspectorSessions } from "./sdk-inspector-sessions";

const ROOT = path.resolve(__dirname, "..", "..");

describe("closeSdkInspectorSessions", () => {
  it("disconnects the session the SDK's serializer opened in this file", async () => {
    await pulumi.runtime.serializeFunction(() => 1);
    // The SDK's module by its package path: the same exports object the stand-in patched.
    const hooks = jest.requireActual<{ getSessionAsync(): Promise<import("inspector").Session> }>(
      "@pulumi/pulumi/runtime/closure/v8Hooks",
    );
    const session = await hooks.getSessionAsync();
    expect(await closeSdkInspectorSessions()).toBe(1);
    expect(() => session.post("Runtime.evaluate", { expression: "1" })).toThrow(
      expect.objectContaining({ code: "ERR_INSPECTOR_NOT_CONNECTED" }),
    );
    expect(await closeSdkInspectorSessions()).toBe(0);
  });

  it("lets a test file that serialized a function be collected when it ends (the setup file closes it)", () => {
    const fixtures = path.join(__dirname, "fixtures", "realm-release");
    const config = {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ...(require(path.join(ROOT, "jest.config.js")) as Record<string, unknown>),
      rootDir: ROOT,
      roots: [fixtures],
      testMatch: ["**/*.realm.ts"],
      testPathIgnorePatterns: ["/node_modules/"],
      globalSetup: path.join(fixtures, "watch-realm.js"),
      globalTeardown: path.join(fixtures, "check-released.js"),
    };
    // A whole Jest run of its own: its time limits leave room for a loaded machine.
    const r = spawnSync(
      process.execPath,
      [
        "--expose-gc",
        require.resolve("jest/bin/jest"),
        "--runInBand",
        "--ci",
        "--config",
        JSON.stringify(config),
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
    );
    expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: "realm released" });
  }, 150_000);
});
