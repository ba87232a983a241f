/** The lazy `@npmcli/arborist` stand-in must be the real module to anyone who uses it. */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const REAL_ARBORIST = path.join(ROOT, "node_modules", "@npmcli", "arborist", "lib", "index.js");

describe("lazy @npmcli/arborist (jest moduleNameMapper)", () => {
  it("stands in for the file @pulumi/pulumi's import resolves to under plain Node", () => {
    // Jest's own require.resolve applies the mapper, so ask a plain node process.
    const r = spawnSync(
      process.execPath,
      [
        "-p",
        `require.resolve("@npmcli/arborist", { paths: [require.resolve("@pulumi/pulumi/runtime/closure/codePaths.js")] })`,
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: REAL_ARBORIST });
  });

  it("is mapped, and exposes exactly the real module's exports, each the real value", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const real = require(REAL_ARBORIST) as Record<string, unknown>;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mapped = require("@npmcli/arborist") as Record<string, unknown>;
    expect(mapped).not.toBe(real);
    expect(Object.keys(mapped).sort()).toEqual(Object.keys(real).sort());
    for (const name of Object.keys(real)) {
      expect(typeof real[name]).toBe("function");
      expect(mapped[name]).toBe(real[name]);
    }
  });
});
